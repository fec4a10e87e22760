#!/usr/bin/python3
"""peer_nmf.py -- the NMF and LSA peers (Debian python3-sklearn) on a sparse
Matrix Market matrix, and the evaluation both sides share.

  peer_nmf.py tfidf DOCS.txt OUT.mtx
      TfidfVectorizer() with scikit-learn's defaults on one document per
      line, written with scipy.io.mmwrite: both sides factor this file.
  peer_nmf.py nmf A.mtx -k 10 --tol 1e-4 --max-iter 200 [--seed 0]
      NMF(solver='cd', init='nndsvda', beta_loss='frobenius') timed
      (fit_transform only; reading the file is not timed).
  peer_nmf.py lsa A.mtx -k 100 --n-iter 5 [--seed 0]
      TruncatedSVD(algorithm='randomized', n_oversamples=10) timed.
  peer_nmf.py eval A.mtx W.npy H.npy
      0.5 ||A - W H||_F^2 and ||A - W H||_F / ||A||_F of any factors (ours),
      by the same code that scores the peer: the loss comparison does not
      trust either side's own report.
  peer_nmf.py ours-nmf A.mtx OUTDIR [--impl NAME]
      our `lowrank nmf --json` run in OUTDIR (report.json, W.npy, H.npy) as a
      result line, its loss re-computed by `eval`'s code.
  peer_nmf.py ours-lsa REPORT.json
      our `lowrank svd A.mtx --json` report as a result line.
  peer_nmf.py table RESULTS.jsonl
      the side-by-side lines of bench/run.sh's `nmf` section.

Losses are computed in float64 as ||A||^2 - 2 <A H^T, W> + <W^T W, H H^T>
(never densifying A).  Output: one JSON line per measurement on stdout.
"""
import argparse
import json
import sys
import time

import numpy as np


def load(path):
    import scipy.io
    import scipy.sparse
    return scipy.sparse.csr_matrix(scipy.io.mmread(path))


def frob_loss(A, W, H):
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    a2 = float(A.multiply(A).sum())
    cross = float(np.sum((A @ H.T) * W))
    gg = float(np.sum((W.T @ W) * (H @ H.T)))
    e2 = max(a2 - 2 * cross + gg, 0.0)
    return 0.5 * e2, (e2 / a2) ** 0.5


def cmd_tfidf(a):
    from sklearn.feature_extraction.text import TfidfVectorizer
    import scipy.io
    with open(a.docs, encoding="utf-8", errors="replace") as f:
        docs = f.read().splitlines()
    t0 = time.perf_counter()
    X = TfidfVectorizer().fit_transform(docs)
    t = time.perf_counter() - t0
    scipy.io.mmwrite(a.out, X)
    print(json.dumps({"bench": "tfidf", "impl": "sklearn", "docs": len(docs),
                      "shape": list(X.shape), "nnz": int(X.nnz), "time_s": t}))


def cmd_nmf(a):
    from sklearn.decomposition import NMF
    A = load(a.matrix)
    best = None
    for _ in range(a.repeat):
        m = NMF(n_components=a.k, solver="cd", init="nndsvda", tol=a.tol,
                max_iter=a.max_iter, random_state=a.seed)
        t0 = time.perf_counter()
        W = m.fit_transform(A)
        t = time.perf_counter() - t0
        if best is None or t < best[0]:
            best = (t, W, m.components_, m.n_iter_)
    t, W, H, it = best
    loss, rel = frob_loss(A, W, H)
    print(json.dumps({"bench": "nmf", "impl": "sklearn", "k": a.k, "tol": a.tol,
                      "max_iter": a.max_iter, "time_s": t, "iterations": int(it),
                      "loss": loss, "rel_err": rel, "shape": list(A.shape),
                      "nnz": int(A.nnz)}))


def cmd_lsa(a):
    from sklearn.decomposition import TruncatedSVD
    A = load(a.matrix)
    a2 = float(A.multiply(A).sum())
    best = None
    for _ in range(a.repeat):
        s = TruncatedSVD(n_components=a.k, algorithm="randomized", n_iter=a.n_iter,
                         n_oversamples=10, random_state=a.seed)
        t0 = time.perf_counter()
        s.fit_transform(A)
        t = time.perf_counter() - t0
        if best is None or t < best[0]:
            best = (t, s.singular_values_)
    t, sv = best
    rel = max(1 - float(np.sum(sv ** 2)) / a2, 0.0) ** 0.5
    print(json.dumps({"bench": "lsa", "impl": "sklearn", "k": a.k, "n_iter": a.n_iter,
                      "time_s": t, "rel_err": rel}))


def cmd_eval(a):
    A = load(a.matrix)
    loss, rel = frob_loss(A, np.load(a.W), np.load(a.H))
    print(json.dumps({"bench": "nmf_eval", "loss": loss, "rel_err": rel}))


def cmd_ours_nmf(a):
    A = load(a.matrix)
    rep = json.load(open(a.outdir + "/report.json"))
    loss, rel = frob_loss(A, np.load(a.outdir + "/W.npy"), np.load(a.outdir + "/H.npy"))
    print(json.dumps({"bench": "nmf", "impl": a.impl, "k": rep["k"], "tol": rep["tol"],
                      "max_iter": rep["max_iter"], "time_s": rep["nmf_s"],
                      "total_s": rep["time_s"], "iterations": rep["iterations"],
                      "loss": loss, "loss_reported": rep["loss"], "rel_err": rel,
                      "dtype": rep["dtype"], "threads": rep["threads"],
                      "stop": rep.get("stop", "loss"),
                      "peak_rss_bytes": rep["peak_rss_bytes"],
                      "input_bytes": rep["input_bytes"]}))


def cmd_ours_lsa(a):
    rep = json.load(open(a.report))
    print(json.dumps({"bench": "lsa", "impl": "lowrank", "k": rep["k"],
                      "n_iter": rep["power_iters"], "time_s": rep["svd_s"],
                      "total_s": rep["time_s"], "rel_err": rep["error_estimate"],
                      "dtype": rep["dtype"], "peak_rss_bytes": rep["peak_rss_bytes"]}))


def cmd_table(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip().startswith("{")]
    def get(bench, impl):
        for r in rows:
            if r.get("bench") == bench and r.get("impl") == impl:
                return r
        return None
    tf = get("tfidf", "sklearn")
    if tf:
        print("  TF-IDF matrix: %d documents x %d terms, %d non-zeros (TfidfVectorizer "
              "%.2f s)" % (tf["shape"][0], tf["shape"][1], tf["nnz"], tf["time_s"]))
    pe = get("nmf", "sklearn")
    print("  %-40s %12s %12s %9s" % ("", "lowrank", "sklearn", "ratio"))
    for impl, what in (("lowrank", "same tol and rule"), ("lowrank-tight", "tighter tol")):
        us = get("nmf", impl)
        if not (us and pe):
            print("  NMF (%s): not available (%s)" % (what, impl if not us else "sklearn"))
            continue
        print("  NMF k=%d, %s: lowrank tol %g (%s rule), sklearn tol %g (violation rule)"
              % (pe["k"], what, us["tol"], us.get("stop", "loss"), pe["tol"]))
        print("  %-40s %11.3fs %11.3fs %8sx" % ("    fit time", us["time_s"], pe["time_s"],
                                               "%.1f" % (pe["time_s"] / us["time_s"])))
        print("  %-40s %12.10g %12.10g %9s" % ("    final loss 1/2||A-WH||^2 (same evaluator)",
                                                us["loss"], pe["loss"], "%.7f" % (us["loss"] / pe["loss"])))
        print("  %-40s %12.6f %12.6f   lowrank's loss %s" % (
            "    relative error", us["rel_err"], pe["rel_err"],
            "<= sklearn's" if us["loss"] <= pe["loss"] else "HIGHER than sklearn's"))
        print("  %-40s %12d %12d" % ("    iterations", us["iterations"], pe["iterations"]))
        print("  %-40s %11.3fs %12s   peak %.0f MB (input %.1f MB)" % (
            "    lowrank whole command", us["total_s"], "", us["peak_rss_bytes"] / 1e6,
            us["input_bytes"] / 1e6))
    us, pe = get("lsa", "lowrank"), get("lsa", "sklearn")
    if us and pe:
        print("  LSA (truncated SVD) k=%d, %d power iterations, LU normalizer on both sides"
              % (pe["k"], pe["n_iter"]))
        print("  %-40s %11.3fs %11.3fs %8sx" % ("    fit time", us["time_s"], pe["time_s"],
                                               "%.1f" % (pe["time_s"] / us["time_s"])))
        print("  %-40s %12.7f %12.7f" % ("    relative error ||A-USVt||/||A||", us["rel_err"],
                                          pe["rel_err"]))
        print("  %-40s %11.3fs %12s   peak %.0f MB" % ("    lowrank whole command",
                                                     us["total_s"], "", us["peak_rss_bytes"] / 1e6))
    else:
        print("  LSA: not available (%s)" % ("lowrank" if not us else "sklearn"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("tfidf"); s.add_argument("docs"); s.add_argument("out")
    s = sub.add_parser("nmf"); s.add_argument("matrix"); s.add_argument("-k", type=int, default=10)
    s.add_argument("--tol", type=float, default=1e-4)
    s.add_argument("--max-iter", type=int, default=200)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--repeat", type=int, default=1)
    s = sub.add_parser("lsa"); s.add_argument("matrix"); s.add_argument("-k", type=int, default=100)
    s.add_argument("--n-iter", type=int, default=5)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--repeat", type=int, default=1)
    s = sub.add_parser("eval"); s.add_argument("matrix"); s.add_argument("W"); s.add_argument("H")
    s = sub.add_parser("ours-nmf"); s.add_argument("matrix"); s.add_argument("outdir")
    s.add_argument("--impl", default="lowrank")
    s = sub.add_parser("ours-lsa"); s.add_argument("report")
    s = sub.add_parser("table"); s.add_argument("results")
    a = p.parse_args()
    {"tfidf": cmd_tfidf, "nmf": cmd_nmf, "lsa": cmd_lsa, "eval": cmd_eval,
     "ours-nmf": cmd_ours_nmf, "ours-lsa": cmd_ours_lsa, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    main()
