/* bench_rsvd.c -- times liblowrank's truncated SVD on a .npy matrix, the
 * counterpart of bench/peer_rsvd.py (scikit-learn's randomized_svd).
 *
 * Same problem and policy as the peer: rank k (10), oversampling p (10),
 * q power iterations (4), normalizer auto, seed 0.  The matrix is loaded once
 * (lr_npy_read), lr_svd_dense is timed --repeat times (best kept), and the
 * relative error ||A - U S Vt||_F / ||A||_F is then computed here,
 * independently of the library's own estimate, by one blocked pass over A
 * in double precision (the library's estimate is printed beside it).
 * --error-seeds N also computes the error for seeds seed .. seed+N-1: one
 * draw's error differs from another's by ~1e-5 relative, so comparisons
 * with a peer are made between means over the same number of draws.
 *
 * usage: bench_rsvd MATRIX.npy [options]     (--help lists them)
 * Prints one JSON line on stdout:
 *   {"bench": "rsvd", "impl": "lowrank", "dtype": "f32", "time_s": ...,
 *    "times_s": [...], "rel_err": ..., "err_estimate": ..., "passes": ...}
 * Exit 0 ok, 1 runtime failure, 2 bad usage.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "lowrank/lowrank.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: bench_rsvd MATRIX.npy [options]\n"
        "  -k N              rank (default 10)\n"
        "  -p N              oversampling (default 10)\n"
        "  -q N              power iterations (default 4)\n"
        "  --normalizer X    auto|lu|qr|none (default auto)\n"
        "  --method X        randomized|krylov|exact (default randomized)\n"
        "  --dtype X         f32|f64|file: compute precision (default file)\n"
        "  --repeat N        timed runs, best kept (default 3)\n"
        "  --error-seeds N   also the error of N draws (seeds seed..seed+N-1)\n"
        "  --seed N          random seed (default 0)\n"
        "  --threads N       threads (default 0 = all cores)\n"
        "  -h, --help        this help\n");
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < lo || v > hi) {
        fprintf(stderr, "bench_rsvd: %s wants an integer in %ld..%ld, not '%s'\n",
                opt, lo, hi, s);
        exit(2);
    }
    return v;
}

/* ||A - diag-scaled U Vt||_F^2 and ||A||_F^2 over rows [i0, i1) of A, with
 * US = U diag(S) stored row-major (k doubles per row, rows i0..i1-1) and Vd =
 * Vt in double, column j contiguous (k doubles).  One macro, two types. */
#define RESID_BLOCK(NAME, T)                                                  \
    static void NAME(const lr_mat *A, int64_t i0, int64_t i1,               \
                     const double *US, const double *Vd, int64_t k,          \
                     double *num, double *den)                               \
    {                                                                        \
        const T *a = (const T *)A->data;                                     \
        double nn = 0, dd = 0;                                               \
        for (int64_t j = 0; j < A->cols; j++) {                              \
            const T *aj = a + j * A->ld;                                     \
            const double *v = Vd + j * k;                                    \
            for (int64_t i = i0; i < i1; i++) {                              \
                const double *u = US + (i - i0) * k;                         \
                double s = 0;                                                \
                for (int64_t t = 0; t < k; t++) s += u[t] * v[t];            \
                double x = (double)aj[i], r = x - s;                         \
                nn += r * r;                                                 \
                dd += x * x;                                                 \
            }                                                                \
        }                                                                    \
        *num = nn, *den = dd;                                                \
    }
RESID_BLOCK(resid_block_f32, float)
RESID_BLOCK(resid_block_f64, double)

/* Relative Frobenius error of the factorization, in double.  Blocks of rows
 * are spread over OpenMP threads; partial sums are added in block order, so
 * the result does not depend on the thread count. */
static double rel_error(const lr_mat *A, const lr_mat *U, const double *S,
                        const lr_mat *Vt, int64_t k)
{
    const int64_t m = A->rows, n = A->cols, bs = 512;
    const int64_t nb = (m + bs - 1) / bs;
    double *Vd = malloc((size_t)(n * k) * sizeof *Vd);
    double *num = calloc((size_t)nb, sizeof *num), *den = calloc((size_t)nb, sizeof *den);
    if (!Vd || !num || !den) {
        fprintf(stderr, "bench_rsvd: out of memory computing the error\n");
        exit(1);
    }
    for (int64_t j = 0; j < n; j++)
        for (int64_t t = 0; t < k; t++) Vd[j * k + t] = lr_mat_get(Vt, t, j);
    int fail = 0;
#pragma omp parallel
    {
        double *US = malloc((size_t)(bs * k) * sizeof *US);
        if (!US) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < nb; b++) {
            if (!US) continue;
            int64_t i0 = b * bs, i1 = i0 + bs < m ? i0 + bs : m;
            for (int64_t i = i0; i < i1; i++)
                for (int64_t t = 0; t < k; t++)
                    US[(i - i0) * k + t] = lr_mat_get(U, i, t) * S[t];
            if (A->dtype == LR_F32)
                resid_block_f32(A, i0, i1, US, Vd, k, &num[b], &den[b]);
            else
                resid_block_f64(A, i0, i1, US, Vd, k, &num[b], &den[b]);
        }
        free(US);
    }
    if (fail) {
        fprintf(stderr, "bench_rsvd: out of memory computing the error\n");
        exit(1);
    }
    double nn = 0, dd = 0;
    for (int64_t b = 0; b < nb; b++) nn += num[b], dd += den[b];
    free(Vd);
    free(num);
    free(den);
    return dd > 0 ? sqrt(nn / dd) : 0;
}

int main(int argc, char **argv)
{
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    int want = 0, repeat = 3, threads = 0, err_seeds = 1;
    const char *norm_name = "auto", *method_name = "randomized";
    enum { O_NORM = 1000, O_METHOD, O_DTYPE, O_REPEAT, O_SEED, O_THREADS, O_ERRSEEDS };
    static const struct option lo[] = {
        {"normalizer", required_argument, 0, O_NORM},
        {"method", required_argument, 0, O_METHOD},
        {"dtype", required_argument, 0, O_DTYPE},
        {"repeat", required_argument, 0, O_REPEAT},
        {"error-seeds", required_argument, 0, O_ERRSEEDS},
        {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "k:p:q:h", lo, NULL)) != -1) {
        switch (c) {
        case 'k': o.k = parse_long("-k", optarg, 1, 1L << 30); break;
        case 'p': o.oversample = parse_long("-p", optarg, 0, 1L << 30); break;
        case 'q': o.power_iters = (int)parse_long("-q", optarg, 0, 100); break;
        case O_NORM:
            norm_name = optarg;
            if (!strcmp(optarg, "auto")) o.normalizer = LR_NORM_AUTO;
            else if (!strcmp(optarg, "lu")) o.normalizer = LR_NORM_LU;
            else if (!strcmp(optarg, "qr")) o.normalizer = LR_NORM_QR;
            else if (!strcmp(optarg, "none")) o.normalizer = LR_NORM_NONE;
            else {
                fprintf(stderr, "bench_rsvd: --normalizer: auto, lu, qr or none\n");
                return 2;
            }
            break;
        case O_METHOD:
            method_name = optarg;
            if (!strcmp(optarg, "randomized")) o.method = LR_SVD_RANDOMIZED;
            else if (!strcmp(optarg, "krylov")) o.method = LR_SVD_KRYLOV;
            else if (!strcmp(optarg, "exact")) o.method = LR_SVD_EXACT;
            else {
                fprintf(stderr, "bench_rsvd: --method: randomized, krylov or exact\n");
                return 2;
            }
            break;
        case O_DTYPE:
            if (!strcmp(optarg, "f32")) want = LR_F32;
            else if (!strcmp(optarg, "f64")) want = LR_F64;
            else if (!strcmp(optarg, "file")) want = 0;
            else {
                fprintf(stderr, "bench_rsvd: --dtype: f32, f64 or file\n");
                return 2;
            }
            break;
        case O_REPEAT: repeat = (int)parse_long("--repeat", optarg, 1, 1000); break;
        case O_ERRSEEDS: err_seeds = (int)parse_long("--error-seeds", optarg, 1, 1000); break;
        case O_SEED: o.seed = (uint64_t)parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case O_THREADS: threads = (int)parse_long("--threads", optarg, 0, 4096); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];

    lr_ctx *ctx = lr_ctx_create();
    if (!ctx) {
        fprintf(stderr, "bench_rsvd: out of memory\n");
        return 1;
    }
    lr_ctx_set_threads(ctx, threads);
    lr_mat A = {0};
    double t0 = now();
    lr_status st = lr_npy_read(ctx, path, want, 0, &A);
    double load_s = now() - t0;
    if (st) {
        fprintf(stderr, "bench_rsvd: %s\n", lr_ctx_errmsg(ctx));
        lr_ctx_destroy(ctx);
        return st == LR_ERR_NOMEM || st == LR_ERR_IO ? 1 : 2;
    }
    const char *why = lr_svd_opts_check(&o, A.rows, A.cols);
    if (why) {
        fprintf(stderr, "bench_rsvd: %s\n", why);
        lr_mat_free(ctx, &A);
        lr_ctx_destroy(ctx);
        return 2;
    }

    double *times = calloc((size_t)repeat, sizeof *times);
    double best = 1e300;
    lr_svd *res = NULL;
    for (int r = 0; r < repeat && times; r++) {
        lr_svd_destroy(res);
        res = NULL;
        double t1 = now();
        st = lr_svd_dense(ctx, &A, &o, &res);
        times[r] = now() - t1;
        if (st) {
            fprintf(stderr, "bench_rsvd: lr_svd_dense: %s\n", lr_ctx_errmsg(ctx));
            lr_svd_destroy(res);
            lr_mat_free(ctx, &A);
            lr_ctx_destroy(ctx);
            free(times);
            return 1;
        }
        if (times[r] < best) best = times[r];
    }
    if (!times) {
        fprintf(stderr, "bench_rsvd: out of memory\n");
        return 1;
    }

    int64_t k = lr_svd_rank(res);
    lr_mat U = lr_svd_u(res), Vt = lr_svd_vt(res);
    const double *S = lr_svd_s(res);
    double t2 = now();
    double err = rel_error(&A, &U, S, &Vt, k);
    double err_s = now() - t2;
    /* Further draws: same options, seeds seed+1 .. seed+err_seeds-1. */
    double *errs = calloc((size_t)err_seeds, sizeof *errs);
    if (!errs) {
        fprintf(stderr, "bench_rsvd: out of memory\n");
        return 1;
    }
    errs[0] = err;
    for (int e = 1; e < err_seeds; e++) {
        lr_svd_opts oe = o;
        oe.seed = o.seed + (uint64_t)e;
        lr_svd *re = NULL;
        if (lr_svd_dense(ctx, &A, &oe, &re)) {
            fprintf(stderr, "bench_rsvd: lr_svd_dense (seed %llu): %s\n",
                    (unsigned long long)oe.seed, lr_ctx_errmsg(ctx));
            return 1;
        }
        lr_mat Ue = lr_svd_u(re), Vte = lr_svd_vt(re);
        errs[e] = rel_error(&A, &Ue, lr_svd_s(re), &Vte, lr_svd_rank(re));
        lr_svd_destroy(re);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    printf("{\"bench\": \"rsvd\", \"impl\": \"lowrank\", \"dtype\": \"%s\", "
           "\"matrix\": \"%s\", \"rows\": %lld, \"cols\": %lld, \"k\": %lld, "
           "\"p\": %lld, \"q\": %d, \"normalizer\": \"%s\", \"method\": \"%s\", "
           "\"seed\": %llu, \"threads\": %d, \"time_s\": %.4f, \"times_s\": [",
           lr_dtype_name(A.dtype), path, (long long)A.rows, (long long)A.cols,
           (long long)o.k, (long long)o.oversample, o.power_iters, norm_name,
           method_name, (unsigned long long)o.seed, lr_ctx_threads(ctx), best);
    for (int r = 0; r < repeat; r++) printf("%s%.4f", r ? ", " : "", times[r]);
    printf("], \"rel_err\": %.17g, \"err_estimate\": %.17g, \"passes\": %d, "
           "\"load_s\": %.3f, \"err_check_s\": %.3f, \"peak_rss_mb\": %.1f, "
           "\"matrix_mb\": %.1f, \"sigma\": [",
           err, lr_svd_error_estimate(res), lr_svd_passes(res), load_s, err_s,
           (double)ru.ru_maxrss * 1024.0 / 1e6,
           (double)(A.rows * A.cols) * (double)lr_dtype_size(A.dtype) / 1e6);
    for (int64_t i = 0; i < k; i++) printf("%s%.9g", i ? ", " : "", S[i]);
    printf("], \"rel_err_seeds\": [");
    for (int e = 0; e < err_seeds; e++) printf("%s%.17g", e ? ", " : "", errs[e]);
    printf("]}\n");

    free(errs);
    free(times);
    lr_svd_destroy(res);
    lr_mat_free(ctx, &A);
    lr_ctx_destroy(ctx);
    return 0;
}
