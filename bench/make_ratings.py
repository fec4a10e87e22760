#!/usr/bin/env python3
"""bench/make_ratings.py OUT.tsv [--ratings N] [--users U] [--items I] [--rank R]
[--sigma S] [--seed SEED]: a planted explicit ratings set for the speed
benchmark: rating = 3.5 + b_u + b_i + p_u.q_i + N(0, sigma^2), with b ~ N(0,
0.3^2), p, q ~ N(0, 1/R), items drawn with a Zipf-like popularity, no
duplicate (user, item) pairs.  Tab-separated `user item rating`, written to a
temporary name and renamed.  Prints one JSON line describing the set."""
import argparse, json, os, sys
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--ratings", type=int, default=1_000_000)
ap.add_argument("--users", type=int, default=50_000)
ap.add_argument("--items", type=int, default=10_000)
ap.add_argument("--rank", type=int, default=10)
ap.add_argument("--sigma", type=float, default=0.5)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
P = rng.standard_normal((a.users, a.rank)) / np.sqrt(a.rank)
Q = rng.standard_normal((a.items, a.rank)) / np.sqrt(a.rank)
bu = 0.3 * rng.standard_normal(a.users)
bi = 0.3 * rng.standard_normal(a.items)
pop = 1.0 / (np.arange(a.items) + 10.0) ** 0.8
pop /= pop.sum()
need = a.ratings
keys = np.empty(0, dtype=np.int64)
while keys.size < need:
    m = int((need - keys.size) * 1.2) + 1000
    u = rng.integers(0, a.users, m)
    i = rng.choice(a.items, m, p=pop)
    keys = np.unique(np.concatenate([keys, u.astype(np.int64) * a.items + i]))
keys = rng.permutation(keys)[:need]
u, i = keys // a.items, keys % a.items
r = 3.5 + bu[u] + bi[i] + np.einsum("ij,ij->i", P[u], Q[i]) + a.sigma * rng.standard_normal(need)
tmp = a.out + ".tmp"
with open(tmp, "w") as f:
    for uu, ii, rr in zip(u.tolist(), i.tolist(), r.tolist()):
        f.write("u%d\ti%d\t%.4f\n" % (uu, ii, rr))
os.replace(tmp, a.out)
print(json.dumps({"bench": "rec-data", "file": a.out, "ratings": need, "users": a.users,
                  "items": a.items, "rank": a.rank, "sigma": a.sigma}))
