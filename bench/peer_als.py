#!/usr/bin/env python3
"""bench/peer_als.py RATINGS [--k 32] [--lambda 0.05] [--lambda-bias L] [--iters 15]
[--folds 5] [--seed 0] [--time-only]: the NumPy reference for `lowrank recommend`.

The same model and algorithm as lowrank's explicit ALS-WR: rating ~ mu + b_u +
b_i + p_u.q_i; one iteration solves, for every user, the (k+1) x (k+1) system
(sum z z^T + n_u diag(lambda_b, lambda, ..., lambda)) [b_u, p_u] =
sum (r - mu - b_i) z with z = [1, q_i], then the same for every item; mu is
the training mean; Q starts N(0, 0.1^2/k).  Written as a plain NumPy program
(one np.linalg.solve per row), as a user of NumPy would write it.

Folds: a seeded random balanced assignment of the ratings (NumPy's own RNG, so
not the same folds as lowrank's; same protocol).  Prints one JSON line: mean
and std of the held-out RMSE over the folds and the seconds per ALS iteration
(both half-steps, the objective not included).  --time-only: train on all
ratings for --iters iterations and report the time per iteration only."""
import argparse, json, sys, time
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("ratings")
ap.add_argument("--k", type=int, default=32)
ap.add_argument("--lambda", dest="lam", type=float, default=0.05)
ap.add_argument("--lambda-bias", dest="lamb", type=float, default=None)
ap.add_argument("--iters", type=int, default=15)
ap.add_argument("--folds", type=int, default=5)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--time-only", action="store_true")
a = ap.parse_args()
lamb = a.lam if a.lamb is None else a.lamb


def read(path):
    with open(path) as f:
        first = f.readline()
    sep = "\t" if "\t" in first else ("::" if "::" in first else ",")
    users, items, vals = [], [], []
    with open(path) as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\r\n").split(sep)
            if n == 0:
                try:
                    float(parts[2])
                except ValueError:
                    continue  # header
            users.append(parts[0]); items.append(parts[1]); vals.append(float(parts[2]))
    _, u = np.unique(np.array(users), return_inverse=True)
    _, i = np.unique(np.array(items), return_inverse=True)
    return u.astype(np.int64), i.astype(np.int64), np.array(vals)


def groups(idx, n):
    order = np.argsort(idx, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, idx + 1, 1)
    return order, np.cumsum(ptr)


def half(order, ptr, other_idx, r, Y, ybias, mu, k):
    nrows = len(ptr) - 1
    X = np.zeros((nrows, k))
    xb = np.zeros(nrows)
    reg = np.full(k + 1, a.lam)
    reg[0] = lamb
    for j in range(nrows):
        e = order[ptr[j]:ptr[j + 1]]
        n = len(e)
        if n == 0:
            continue
        Z = np.empty((n, k + 1))
        Z[:, 0] = 1.0
        Z[:, 1:] = Y[other_idx[e]]
        t = r[e] - mu - ybias[other_idx[e]]
        A = Z.T @ Z + np.diag(n * reg)
        x = np.linalg.solve(A, Z.T @ t)
        xb[j] = x[0]
        X[j] = x[1:]
    return X, xb


def train(u, i, r, nu, ni, k, iters, seed):
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((ni, k)) * (0.1 / np.sqrt(k))
    bi = np.zeros(ni)
    bu = np.zeros(nu)
    mu = r.mean()
    uo, up = groups(u, nu)
    io, ip = groups(i, ni)
    times = []
    for _ in range(iters):
        t0, c0 = time.perf_counter(), time.process_time()
        P, bu = half(uo, up, i, r, Q, bi, mu, k)
        Q, bi = half(io, ip, u, r, P, bu, mu, k)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return mu, P, Q, bu, bi, times


u, i, r = read(a.ratings)
nu, ni = u.max() + 1, i.max() + 1
out = {"bench": "rec", "impl": "numpy-als", "file": a.ratings, "ratings": int(len(r)),
       "k": a.k, "lambda": a.lam, "lambda_bias": lamb, "iters": a.iters}
if a.time_only:
    _, _, _, _, _, times = train(u, i, r, nu, ni, a.k, a.iters, a.seed)
    out["seconds_per_iter"] = float(np.mean([t[0] for t in times]))
    out["cpu_seconds_per_iter"] = float(np.mean([t[1] for t in times]))
    out["ratings_per_second_per_iter"] = len(r) / out["seconds_per_iter"]
    print(json.dumps(out))
    sys.exit(0)
rng = np.random.default_rng(a.seed + 12345)
fold = np.empty(len(r), dtype=np.int64)
fold[rng.permutation(len(r))] = np.arange(len(r)) % a.folds
rmses, alltimes = [], []
for f in range(a.folds):
    tr, te = fold != f, fold == f
    mu, P, Q, bu, bi, times = train(u[tr], i[tr], r[tr], nu, ni, a.k, a.iters, a.seed + f)
    pred = mu + bu[u[te]] + bi[i[te]] + np.einsum("ij,ij->i", P[u[te]], Q[i[te]])
    rmses.append(float(np.sqrt(np.mean((r[te] - pred) ** 2))))
    alltimes += times
    print("fold %d: RMSE %.4f, %.3f s per iteration" % (f + 1, rmses[-1], np.mean([t[0] for t in times])),
          file=sys.stderr)
out["folds"] = a.folds
out["rmse"] = rmses
out["rmse_mean"] = float(np.mean(rmses))
out["rmse_std"] = float(np.std(rmses, ddof=1)) if a.folds > 1 else 0.0
out["seconds_per_iter"] = float(np.mean([t[0] for t in alltimes]))
out["cpu_seconds_per_iter"] = float(np.mean([t[1] for t in alltimes]))
print(json.dumps(out))
