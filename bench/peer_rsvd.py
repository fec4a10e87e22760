#!/usr/bin/python3
"""peer_rsvd.py -- the randomized-SVD peer: scikit-learn's randomized_svd
(Debian python3-sklearn, NumPy on Debian's OpenBLAS) on a benchmark matrix.

Same problem and policy as bench_rsvd: rank k (10), oversampling p (10),
q power iterations (4), power_iteration_normalizer='auto' (scikit-learn:
LU after each product when q > 2), random_state = --seed (0).  Each precision
asked for is timed --repeat times (best reported); the relative error
||A - U S Vt||_F / ||A||_F is computed afterwards, independently of the
algorithm, by a blocked pass in float64.

--optimum adds the Eckart-Young optimum sqrt(sum_{i>k} s_i^2) / ||A||_F from
NumPy's full SVD (singular values only) of the float64 matrix; the singular
values are cached next to the matrix (NAME.svals.npy) because that SVD takes
about 12 s at 76,800 x 795.

Output: JSON lines on stdout, one per measurement:
  {"bench": "env", ...}               BLAS library, threads (threadpoolctl)
  {"bench": "rsvd", "impl": "sklearn", "dtype": "f32", "time_s": ..., ...}
  {"bench": "rsvd_optimum", "k": 10, "rel_err": ..., ...}
Run with /usr/bin/python3.  The matrix is NAME_f32.npy / NAME_f64.npy: pass
either one (or the stem NAME) and both precisions are found by name.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def blas_info():
    info = {"bench": "env", "impl": "numpy", "numpy": np.__version__,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
    try:
        import sklearn
        info["sklearn"] = sklearn.__version__
    except ImportError:
        info["sklearn"] = None
    try:
        from threadpoolctl import threadpool_info
        info["pools"] = [{k: p.get(k) for k in ("internal_api", "version",
                                                "threading_layer", "architecture",
                                                "num_threads", "filepath")}
                         for p in threadpool_info()]
    except ImportError:
        info["pools"] = "threadpoolctl not installed (python3-threadpoolctl)"
    return info


def rel_error(A, U, S, Vt, block=8192):
    """||A - U diag(S) Vt||_F / ||A||_F, accumulated in float64 over row
    blocks (never forms the m x n product at once)."""
    US = (U.astype(np.float64) * S.astype(np.float64))
    Vt64 = Vt.astype(np.float64)
    num = 0.0
    den = 0.0
    for r in range(0, A.shape[0], block):
        Ab = np.asarray(A[r:r + block], dtype=np.float64)
        Rb = Ab - US[r:r + block] @ Vt64
        num += float(np.einsum("ij,ij->", Rb, Rb))
        den += float(np.einsum("ij,ij->", Ab, Ab))
    return (num / den) ** 0.5


def stem_of(path):
    base = path[:-4] if path.endswith(".npy") else path
    for d in ("_f32", "_f64"):
        if base.endswith(d):
            return base[:-4]
    return base


def optimum(stem, k, recompute=False):
    """Singular values of the float64 matrix, cached in STEM.svals.npy."""
    src = stem + "_f64.npy"
    if not os.path.exists(src):
        src = stem + "_f32.npy"
    cache = stem + ".svals.npy"
    t_svd = None
    cached = (not recompute and os.path.exists(cache)
              and os.path.getmtime(cache) >= os.path.getmtime(src))
    if cached:
        s = np.load(cache)
    else:
        A = np.load(src).astype(np.float64, copy=False)
        t0 = time.perf_counter()
        s = np.linalg.svd(A, compute_uv=False)
        t_svd = time.perf_counter() - t0
        tmp = cache + ".tmp-%d.npy" % os.getpid()
        np.save(tmp, s)
        os.replace(tmp, cache)
    s2 = s.astype(np.float64) ** 2
    total = float(s2.sum())
    return {"bench": "rsvd_optimum", "impl": "numpy.linalg.svd", "k": k,
            "rel_err": (float(s2[k:].sum()) / total) ** 0.5,
            "sigma_1": float(s[0]), "sigma_k": float(s[k - 1]),
            "sigma_k1": float(s[k]) if k < len(s) else 0.0,
            "svd_s": None if t_svd is None else round(t_svd, 3),
            "cached": cached, "svals": cache}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("matrix", help="NAME_f32.npy, NAME_f64.npy or NAME")
    ap.add_argument("-k", type=int, default=10, help="rank (default 10)")
    ap.add_argument("-p", type=int, default=10, help="oversampling (default 10)")
    ap.add_argument("-q", type=int, default=4, help="power iterations (default 4)")
    ap.add_argument("--normalizer", default="auto",
                    choices=["auto", "LU", "QR", "none"],
                    help="power_iteration_normalizer (default auto)")
    ap.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    ap.add_argument("--dtype", default="f32,f64", help="f32, f64 or both (default)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs, best kept (3)")
    ap.add_argument("--error-seeds", type=int, default=1,
                    help="also the error of N draws (random_state seed..seed+N-1)")
    ap.add_argument("--optimum", action="store_true",
                    help="also print the optimum error from the full SVD")
    ap.add_argument("--recompute-optimum", action="store_true",
                    help="ignore the cached singular values")
    a = ap.parse_args()

    try:
        from sklearn.utils.extmath import randomized_svd
    except ImportError:
        sys.exit("peer_rsvd.py: needs python3-sklearn (scripts/deps.sh bench); "
                 "run it with /usr/bin/python3")

    print(json.dumps(blas_info()), flush=True)
    stem = stem_of(a.matrix)
    for d in [x.strip() for x in a.dtype.split(",") if x.strip()]:
        path = f"{stem}_{d}.npy"
        if not os.path.exists(path):
            print(json.dumps({"bench": "rsvd", "impl": "sklearn", "dtype": d,
                              "error": f"not available: {path} missing "
                                       "(run bench/make_matrix.py)"}), flush=True)
            continue
        A = np.load(path)
        times = []
        for _ in range(max(1, a.repeat)):
            t0 = time.perf_counter()
            U, S, Vt = randomized_svd(A, a.k, n_oversamples=a.p, n_iter=a.q,
                                      power_iteration_normalizer=a.normalizer,
                                      random_state=a.seed)
            times.append(time.perf_counter() - t0)
        err = rel_error(A, U, S, Vt)
        errs = [err]
        for e in range(1, max(1, a.error_seeds)):
            Ue, Se, Vte = randomized_svd(A, a.k, n_oversamples=a.p, n_iter=a.q,
                                         power_iteration_normalizer=a.normalizer,
                                         random_state=a.seed + e)
            errs.append(rel_error(A, Ue, Se, Vte))
            del Ue, Se, Vte
        print(json.dumps({"bench": "rsvd", "impl": "sklearn", "dtype": d,
                          "matrix": os.path.abspath(path),
                          "rows": A.shape[0], "cols": A.shape[1],
                          "k": a.k, "p": a.p, "q": a.q,
                          "normalizer": a.normalizer, "seed": a.seed,
                          "out_dtype": str(U.dtype),
                          "time_s": round(min(times), 4),
                          "times_s": [round(t, 4) for t in times],
                          "rel_err": err, "rel_err_seeds": errs,
                          "sigma": [float(x) for x in S]}), flush=True)
        del A, U, S, Vt
    if a.optimum:
        print(json.dumps(optimum(stem, a.k, a.recompute_optimum)), flush=True)


if __name__ == "__main__":
    main()
