#!/usr/bin/python3
"""peer_rpca.py -- the robust-PCA peer: a NumPy transcription of the inexact
augmented Lagrange multiplier method (IALM) of Lin, Chen & Ma (2010),
"The Augmented Lagrange Multiplier Method for Exact Recovery of Corrupted
Low-Rank Matrices", arXiv:1009.5055, Algorithm 5 and its reference MATLAB
code inexact_alm_rpca.m, for principal component pursuit
    min ||L||_* + lambda ||S||_1  subject to  M = L + S.

Parameters as in that code and in lowrank's defaults: lambda = 1/sqrt(max(m,n)),
mu_0 = 1.25/||M||_2, mu_bar = mu_0 * 1e7, rho = 1.5, Y_0 = M / max(||M||_2,
||M||_inf / lambda), stop when ||M - L - S||_F / ||M||_F < tol (1e-7).

Two variants of the singular value thresholding step (--svd):
  full     np.linalg.svd(X, full_matrices=False) every iteration (what the
           seed's code does; the MATLAB code's svd(...,'econ') branch).
  partial  sklearn.utils.extmath.randomized_svd(X, sv) with a predicted rank
           sv, PROPACK style: sv starts at 10; after an iteration that kept
           svp singular values above 1/mu, sv = svp + 1 when svp < sv, else
           sv + 5 (--grow) while the last one kept is still above 1/mu.
           randomized_svd runs with n_oversamples=10, n_iter='auto' (--rsvd-q)
           and random_state = seed + iteration.

A slow peer can be capped: --max-iter N and --time-limit SECONDS (no new
iteration starts when the time so far plus one mean iteration would pass the
limit).  The report then says so ("stopped": "time_limit" or "max_iter",
"converged": false) and gives the mean time per iteration (per_iter_s) as
measured: multiply by an iteration count to estimate a full run, and say
that it is an estimate.

Output: one JSON line on stdout (and progress on stderr unless --quiet):
  {"bench": "rpca", "impl": "numpy-ialm-full", "iterations", "time_s",
   "init_s", "per_iter_s", "residual", "converged", "stopped", "rank",
   "nnz_s", "nnz_frac", "history": [...], ...}
Run with /usr/bin/python3.  Input: a 2-D .npy (pixels x frames, e.g. from
make_matrix.py); computed in the file's dtype unless --dtype says otherwise.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def spectral_norm(M, seed):
    """||M||_2 by Lanczos (ARPACK through SciPy's svds, as lansvd(M,1,'L')
    in the MATLAB code); randomized SVD when SciPy is missing."""
    try:
        from scipy.sparse.linalg import svds
        s = svds(M, k=1, return_singular_vectors=False,
                 random_state=np.random.RandomState(seed), tol=1e-6)
        return float(s[0])
    except ImportError:
        from sklearn.utils.extmath import randomized_svd
        _, s, _ = randomized_svd(M, 1, n_iter=10, random_state=seed)
        return float(s[0])


def ialm(D, lam, tol, max_iter, time_limit, mode, rho, seed, sv0, grow,
         rsvd_q, quiet):
    if mode == "partial":
        from sklearn.utils.extmath import randomized_svd
    t_start = time.perf_counter()
    m, n = D.shape
    norm_two = spectral_norm(D, seed)
    norm_inf = float(np.abs(D).max()) / lam
    Y = D / max(norm_two, norm_inf)
    A = np.zeros_like(D)          # L, the low-rank part
    E = np.zeros_like(D)          # S, the sparse part
    T = np.empty_like(D)          # scratch
    mu = 1.25 / norm_two
    mu_bar = mu * 1e7
    d_norm = float(np.linalg.norm(D))
    sv = min(sv0, n)
    init_s = time.perf_counter() - t_start

    it = 0
    svp = 0
    stop = 1.0
    stopped = "max_iter"
    hist, ranks, iter_times = [], [], []
    while True:
        if it >= max_iter:
            stopped = "max_iter"
            break
        elapsed = time.perf_counter() - t_start
        if time_limit > 0 and it > 0 and \
                elapsed + sum(iter_times) / len(iter_times) > time_limit:
            stopped = "time_limit"
            break
        it += 1
        t_it = time.perf_counter()
        inv_mu = 1.0 / mu
        # S step: E = shrink(D - A + Y/mu, lambda/mu); shrink(x,t) = x - clip(x,-t,t)
        np.multiply(Y, inv_mu, out=E)
        np.subtract(D, A, out=T)
        T += E
        thr = lam * inv_mu
        np.clip(T, -thr, thr, out=E)
        np.subtract(T, E, out=E)
        # L step: singular value thresholding of X = D - E + Y/mu at 1/mu
        np.multiply(Y, inv_mu, out=A)
        np.subtract(D, E, out=T)
        T += A
        if mode == "full":
            U, s, Vt = np.linalg.svd(T, full_matrices=False)
            svp = int(np.count_nonzero(s > inv_mu))
        else:
            U, s, Vt = randomized_svd(T, sv, n_oversamples=10, n_iter=rsvd_q,
                                      random_state=seed + it)
            svp = int(np.count_nonzero(s > inv_mu))
            if svp < sv:
                sv = min(svp + 1, n)
            else:
                sv = min(sv + grow, n)
        if svp > 0:
            np.matmul(U[:, :svp] * (s[:svp] - inv_mu).astype(D.dtype),
                      Vt[:svp], out=A)
        else:
            A.fill(0)
        del U, s, Vt
        # Dual update: Z = D - A - E, Y += mu Z
        np.subtract(D, A, out=T)
        T -= E
        stop = float(np.linalg.norm(T)) / d_norm
        T *= mu
        Y += T
        mu = min(mu * rho, mu_bar)
        iter_times.append(time.perf_counter() - t_it)
        hist.append(stop)
        ranks.append(svp)
        if not quiet:
            print(f"peer_rpca[{mode}]: iter {it:3d}  rank {svp:4d}  "
                  f"residual {stop:.3e}  {iter_times[-1]:.2f} s", file=sys.stderr,
                  flush=True)
        if stop < tol:
            stopped = "converged"
            break
    total = time.perf_counter() - t_start
    nnz = int(np.count_nonzero(E))
    return {"iterations": it, "time_s": round(total, 3),
            "init_s": round(init_s, 3),
            "per_iter_s": round(sum(iter_times) / len(iter_times), 4) if iter_times else None,
            "residual": stop, "converged": stopped == "converged",
            "stopped": stopped, "rank": svp, "nnz_s": nnz,
            "nnz_frac": nnz / float(m * n), "mu_final": mu,
            "norm_two": norm_two, "history": hist, "ranks": ranks,
            "iter_times_s": [round(t, 4) for t in iter_times]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("matrix", help="2-D .npy file (pixels x frames)")
    ap.add_argument("--svd", choices=["full", "partial"], default="full",
                    help="SVD of each iteration (default full)")
    ap.add_argument("--dtype", choices=["f32", "f64", "file"], default="file",
                    help="compute precision (default: the file's)")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.0,
                    help="sparsity weight (default 1/sqrt(max(m,n)))")
    ap.add_argument("--tol", type=float, default=1e-7,
                    help="stop at ||M-L-S||_F/||M||_F < tol (default 1e-7)")
    ap.add_argument("--rho", type=float, default=1.5, help="mu growth (1.5)")
    ap.add_argument("--max-iter", type=int, default=1000,
                    help="iteration cap (default 1000)")
    ap.add_argument("--time-limit", type=float, default=0.0,
                    help="seconds; 0 = none (default 0)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (0)")
    ap.add_argument("--sv0", type=int, default=10, help="partial: first rank (10)")
    ap.add_argument("--grow", type=int, default=5, help="partial: rank step (5)")
    ap.add_argument("--rsvd-q", default="auto",
                    help="partial: randomized_svd n_iter (default 'auto')")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    a = ap.parse_args()

    if not os.path.exists(a.matrix):
        sys.exit(f"peer_rpca.py: {a.matrix}: no such file (run bench/make_matrix.py)")
    D = np.load(a.matrix)
    if D.ndim != 2:
        sys.exit(f"peer_rpca.py: {a.matrix}: want a 2-D array, got shape {D.shape}")
    if a.dtype != "file":
        D = D.astype(np.float32 if a.dtype == "f32" else np.float64, order="F")
    m, n = D.shape
    lam = a.lam if a.lam > 0 else 1.0 / np.sqrt(max(m, n))
    q = a.rsvd_q if a.rsvd_q == "auto" else int(a.rsvd_q)
    r = ialm(D, lam, a.tol, a.max_iter, a.time_limit, a.svd, a.rho, a.seed,
             a.sv0, a.grow, q, a.quiet)
    out = {"bench": "rpca", "impl": f"numpy-ialm-{a.svd}",
           "matrix": os.path.abspath(a.matrix), "rows": m, "cols": n,
           "dtype": "f32" if D.dtype == np.float32 else "f64",
           "lambda": lam, "tol": a.tol, "rho": a.rho,
           "max_iter": a.max_iter, "time_limit_s": a.time_limit}
    out.update(r)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
