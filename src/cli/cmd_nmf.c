/* cmd_nmf.c -- `lowrank nmf A.npy|A.mtx -k 10 -o outdir/`: non-negative
 * matrix factorization A ~ W H, written as outdir/W.npy (m x k), H.npy
 * (k x n) and report.json.
 *
 * Order of work: options; the input is read and checked (sizes, NaN/Inf,
 * negative entries, k) before anything is created; then the output folder
 * (created if missing, probed by writing a file); then NMF; then the three
 * files, each written under a hidden part name and renamed into place only
 * when all three are complete.  What this run created and did not finish is
 * removed on exit. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: lowrank nmf A.npy|A.mtx -k K -o OUTDIR [options]\n"
    "\n"
    "Non-negative matrix factorization A ~ W H with W, H >= 0, of a matrix in a\n"
    "NumPy .npy file (dense) or a Matrix Market .mtx file (kept sparse: the\n"
    "products run on the stored entries only).  A must be non-negative.  Writes\n"
    "  OUTDIR/W.npy        m x k\n"
    "  OUTDIR/H.npy        k x n\n"
    "  OUTDIR/report.json  k, solver, init, iterations, loss history, final\n"
    "                      relative error, times, peak memory\n"
    "OUTDIR is created if missing (its parent must exist); the three files are\n"
    "replaced together or not at all.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   output folder (required)\n"
    "  -k, --rank K       number of components, 1..min(m, n) (default 10)\n"
    "  --solver S         cd: coordinate descent (Fast HALS) on the Frobenius\n"
    "                     loss 1/2 ||A - WH||_F^2, as scikit-learn's solver='cd';\n"
    "                     mu: multiplicative updates on the generalised KL\n"
    "                     divergence (default cd)\n"
    "  --init I           nndsvda | nndsvd | random (default nndsvda)\n"
    "  --tol T            the stopping tolerance (default 1e-4), see --stop\n"
    "  --stop R           loss: stop when the loss improves by less than T\n"
    "                     relative to its previous value (default);\n"
    "                     violation (cd only): when the iteration's sum of\n"
    "                     |projected gradient| is below T times the first\n"
    "                     iteration's -- scikit-learn's rule, so the same --tol\n"
    "                     does the same work as NMF(tol=T)\n"
    "  --max-iter N       at most N iterations (default 200)\n"
    "  --l1 X             L1 penalty X (|W|_1 + |H|_1) (default 0)\n"
    "  --l2 X             L2 penalty X/2 (||W||_F^2 + ||H||_F^2) (default 0)\n"
    "  --dtype T          f32 | f64 (default: as stored; .mtx: f64)\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: A (+ A^T for .mtx, ~64 bytes per entry while reading .mtx)\n"
    "+ 3 (m + n) k values.  Exit codes: 0 ok (also when --max-iter is reached,\n"
    "with a warning), 1 runtime failure, 2 bad usage or input.\n";

enum { F_W, F_H, F_REPORT, NFILES };
static const char *const file_names[NFILES] = {"W.npy", "H.npy", "report.json"};
enum { OPT_SOLVER = 2101, OPT_INIT, OPT_TOL, OPT_MAXIT, OPT_L1, OPT_L2, OPT_DTYPE, OPT_STOP };
static const struct option longopts[] = {
    {"output", required_argument, 0, 'o'},
    {"rank", required_argument, 0, 'k'},
    {"solver", required_argument, 0, OPT_SOLVER},
    {"init", required_argument, 0, OPT_INIT},
    {"tol", required_argument, 0, OPT_TOL},
    {"stop", required_argument, 0, OPT_STOP},
    {"max-iter", required_argument, 0, OPT_MAXIT},
    {"l1", required_argument, 0, OPT_L1},
    {"l2", required_argument, 0, OPT_L2},
    {"dtype", required_argument, 0, OPT_DTYPE},
    CLI_COMMON_LONGOPTS,
    {0, 0, 0, 0}};

static const char *init_name(lr_nmf_init i)
{
    return i == LR_NMF_INIT_NNDSVD ? "nndsvd" : i == LR_NMF_INIT_RANDOM ? "random" : "nndsvda";
}

/* Makes dir if missing (remembered for cleanup) and proves it writable. */
static void prepare_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    if (!*dir) cli_die(cc, EXIT_USAGE, "-o/--output: the output folder name is empty");
    if (strlen(dir) + 64 > PATH_MAX) cli_die(cc, EXIT_USAGE, "output folder name too long");
    int existed = stat(dir, &st) == 0;
    if (existed && !S_ISDIR(st.st_mode))
        cli_die(cc, EXIT_USAGE, "output '%s' exists and is not a folder; choose a folder "
                "name with -o", dir);
    cli_make_outdir(cc, dir);
    if (!existed) cli_out_made_dir(dir);
    cli_probe_dir(cc, dir);
    for (int i = 0; i < NFILES; i++) {
        char p[PATH_MAX];
        cli_path(p, sizeof p, dir, file_names[i]);
        if (stat(p, &st) == 0 && !S_ISREG(st.st_mode))
            cli_die(cc, EXIT_USAGE, "'%s' exists and is not a regular file; move it away "
                    "or choose another output folder", p);
    }
}

/* First negative entry of a dense or sparse matrix: dies with exit 2. */
static void check_nonneg(const cli_common *cc, const char *path, const lr_mat *A,
                         const lr_csr *S)
{
    if (S) {
        for (int64_t i = 0; i < S->rows; i++)
            for (int64_t p = S->indptr[i]; p < S->indptr[i + 1]; p++) {
                double v = S->dtype == LR_F32 ? ((const float *)S->values)[p]
                                              : ((const double *)S->values)[p];
                if (v < 0)
                    cli_die(cc, EXIT_USAGE, "%s has a negative entry (%g at row %lld, column "
                            "%lld); NMF needs non-negative data", path, v, (long long)i + 1,
                            (long long)S->indices[p] + 1);
            }
        return;
    }
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++)
            if (lr_mat_get(A, i, j) < 0)
                cli_die(cc, EXIT_USAGE, "%s has a negative entry (%g at row %lld, column %lld, "
                        "counting from 0); NMF needs non-negative data", path,
                        lr_mat_get(A, i, j), (long long)i, (long long)j);
}

/* ||A - W H||_F / ||A||_F from ||A||^2 - 2 <A^T W, H^T> + <W^T W, H H^T>. */
static double rel_error(lr_ctx *ctx, const lr_mat *A, const lr_csr *S, const lr_nmf *r,
                        double frob2)
{
    lr_mat W = lr_nmf_w(r), H = lr_nmf_h(r), Q;
    int64_t m = W.rows, n = H.cols, k = W.cols;
    if (frob2 <= 0 || lr_mat_alloc(ctx, W.dtype, n, k, &Q)) return -1;
    lr_status s;
    if (S) {
        s = lr_csr_mm(ctx, 1, S, &W, &Q);
    } else {
        lr_op *op = NULL;
        s = lr_op_dense(ctx, A, &op);
        if (!s) s = lr_op_apply(ctx, op, 1, &W, &Q);
        lr_op_destroy(op);
    }
    double cross = 0, gg = 0;
    for (int64_t t = 0; t < k; t++)
        for (int64_t j = 0; j < n; j++) cross += lr_mat_get(&Q, j, t) * lr_mat_get(&H, t, j);
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = 0; b < k; b++) {
            double gw = 0, gh = 0;
            for (int64_t i = 0; i < m; i++) gw += lr_mat_get(&W, i, a) * lr_mat_get(&W, i, b);
            for (int64_t j = 0; j < n; j++) gh += lr_mat_get(&H, a, j) * lr_mat_get(&H, b, j);
            gg += gw * gh;
        }
    lr_mat_free(ctx, &Q);
    if (s) return -1;
    double e2 = frob2 - 2 * cross + gg;
    return sqrt(e2 > 0 ? e2 / frob2 : 0);
}

static cJSON *report(const cli_common *cc, lr_ctx *ctx, const char *path, int sparse,
                     int64_t m, int64_t n, int64_t nnz, lr_dtype t, const lr_nmf_opts *o,
                     const lr_nmf *r, int converged, double relerr, double times[4],
                     double in_bytes)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "nmf");
    cJSON_AddStringToObject(root, "version", lr_version());
    cJSON_AddStringToObject(root, "input", path);
    cJSON *shape = cJSON_AddArrayToObject(root, "shape");
    cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)m));
    cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)n));
    cJSON_AddBoolToObject(root, "sparse", sparse);
    cJSON_AddNumberToObject(root, "nnz", (double)nnz);
    cJSON_AddStringToObject(root, "dtype", lr_dtype_name(t));
    cJSON_AddNumberToObject(root, "k", (double)o->k);
    cJSON_AddStringToObject(root, "solver", o->solver == LR_NMF_CD ? "cd" : "mu");
    cJSON_AddStringToObject(root, "loss_kind", o->solver == LR_NMF_CD
                            ? "0.5*||A-WH||_F^2 + penalties" : "generalized KL + penalties");
    cJSON_AddStringToObject(root, "init", init_name(o->init));
    cJSON_AddNumberToObject(root, "tol", o->tol);
    cJSON_AddStringToObject(root, "stop", o->stop == LR_NMF_STOP_VIOLATION ? "violation" : "loss");
    cJSON_AddNumberToObject(root, "max_iter", o->max_iter);
    cJSON_AddNumberToObject(root, "l1", o->l1_w);
    cJSON_AddNumberToObject(root, "l2", o->l2_w);
    cJSON_AddNumberToObject(root, "seed", (double)o->seed);
    cJSON_AddNumberToObject(root, "threads", lr_ctx_threads(ctx));
    cJSON_AddNumberToObject(root, "iterations", lr_nmf_iterations(r));
    cJSON_AddBoolToObject(root, "converged", converged);
    cJSON_AddNumberToObject(root, "loss", lr_nmf_loss(r));
    int nh;
    const double *h = lr_nmf_loss_history(r, &nh);
    cJSON *hist = cJSON_AddArrayToObject(root, "loss_history");
    for (int i = 0; i < nh; i++) cJSON_AddItemToArray(hist, cJSON_CreateNumber(h[i]));
    if (relerr >= 0) cJSON_AddNumberToObject(root, "relative_error", relerr);
    else cJSON_AddNullToObject(root, "relative_error");
    cJSON_AddNumberToObject(root, "read_s", times[0]);
    cJSON_AddNumberToObject(root, "nmf_s", times[1]);
    cJSON_AddNumberToObject(root, "write_s", times[2]);
    cJSON_AddNumberToObject(root, "time_s", times[3]);
    cJSON_AddNumberToObject(root, "input_bytes", in_bytes);
    cJSON_AddNumberToObject(root, "peak_rss_bytes", (double)cli_peak_rss());
    (void)cc;
    return root;
}

int cmd_nmf(int argc, char **argv)
{
    cli_common cc;
    cli_common_init(&cc, "lowrank nmf");
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    const char *outdir = NULL;
    int want = 0, k_given = 0;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'k': o.k = cli_parse_int(&cc, "-k/--rank", optarg, 1, INT32_MAX), k_given = 1; break;
        case OPT_SOLVER:
            if (!strcmp(optarg, "cd")) o.solver = LR_NMF_CD;
            else if (!strcmp(optarg, "mu")) o.solver = LR_NMF_MU_KL;
            else cli_die(&cc, EXIT_USAGE, "--solver must be cd or mu, got '%s'", optarg);
            break;
        case OPT_INIT:
            if (!strcmp(optarg, "nndsvda")) o.init = LR_NMF_INIT_NNDSVDA;
            else if (!strcmp(optarg, "nndsvd")) o.init = LR_NMF_INIT_NNDSVD;
            else if (!strcmp(optarg, "random")) o.init = LR_NMF_INIT_RANDOM;
            else cli_die(&cc, EXIT_USAGE, "--init must be nndsvda, nndsvd or random, got '%s'",
                         optarg);
            break;
        case OPT_TOL: o.tol = cli_parse_double(&cc, "--tol", optarg, 0, 1); break;
        case OPT_STOP:
            if (!strcmp(optarg, "loss")) o.stop = LR_NMF_STOP_LOSS;
            else if (!strcmp(optarg, "violation")) o.stop = LR_NMF_STOP_VIOLATION;
            else cli_die(&cc, EXIT_USAGE, "--stop must be loss or violation, got '%s'", optarg);
            break;
        case OPT_MAXIT:
            o.max_iter = (int)cli_parse_int(&cc, "--max-iter", optarg, 1, 100000000);
            break;
        case OPT_L1: o.l1_w = o.l1_h = cli_parse_double(&cc, "--l1", optarg, 0, 1e300); break;
        case OPT_L2: o.l2_w = o.l2_h = cli_parse_double(&cc, "--l2", optarg, 0, 1e300); break;
        case OPT_DTYPE:
            want = cli_parse_dtype(&cc, optarg);
            break;
        default: cli_other_opt(&cc, c, optarg, argv, usage);
        }
    }
    o.seed = cc.seed;
    if (optind >= argc)
        cli_die(&cc, EXIT_USAGE, "missing the input matrix (.npy or .mtx); usage: lowrank nmf "
                "A.mtx -k K -o OUTDIR");
    if (argc - optind > 1)
        cli_die(&cc, EXIT_USAGE, "expected one input file, got %d ('%s', '%s'%s)",
                argc - optind, argv[optind], argv[optind + 1], argc - optind > 2 ? ", ..." : "");
    const char *path = argv[optind];
    if (!outdir) cli_die(&cc, EXIT_USAGE, "missing -o OUTDIR: the folder for W.npy and H.npy");
    struct stat st;
    if (stat(path, &st) != 0) cli_die(&cc, EXIT_USAGE, "cannot read '%s' (%s)", path,
                                      strerror(errno));
    if (S_ISDIR(st.st_mode)) cli_die(&cc, EXIT_USAGE, "'%s' is a folder, not a matrix file", path);
    size_t plen = strlen(path);
    int sparse = plen >= 4 && !strcasecmp(path + plen - 4, ".mtx");

    cli_out_guard();
    double t_start = cli_now();
    lr_ctx *ctx = cli_ctx(&cc);
    lr_mat A = {0};
    lr_csr S = {0};
    if (sparse) {
        cli_check(&cc, ctx, lr_mtx_read(ctx, path, want ? (lr_dtype)want : LR_F64, &S));
    } else {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        int64_t max_bytes = pages > 0 && psize > 0 ? (int64_t)pages * psize : 0;
        lr_status s = lr_npy_read(ctx, path, want, max_bytes, &A);
        if (s == LR_ERR_DATA)
            cli_die(&cc, EXIT_USAGE, "%s (this machine's physical memory)", lr_ctx_errmsg(ctx));
        cli_check(&cc, ctx, s);
        cli_check(&cc, ctx, lr_mat_check_finite(ctx, &A, path));
    }
    double t_read = cli_now() - t_start;
    int64_t m = sparse ? S.rows : A.rows, n = sparse ? S.cols : A.cols, nnz = S.nnz;
    lr_dtype t = sparse ? S.dtype : A.dtype;
    int64_t mn = m < n ? m : n;
    if (mn == 0)
        cli_die(&cc, EXIT_USAGE, "%s is empty (%lld x %lld): nothing to factorize", path,
                (long long)m, (long long)n);
    if (o.k > mn) {
        if (k_given)
            cli_die(&cc, EXIT_USAGE, "k = %lld is larger than min(m, n) = %lld for %s (%lld x "
                    "%lld); choose k <= %lld", (long long)o.k, (long long)mn, path,
                    (long long)m, (long long)n, (long long)mn);
        cli_info(&cc, "%s: %s is %lld x %lld: using k = %lld instead of the default %lld",
                 cc.prog, path, (long long)m, (long long)n, (long long)mn, (long long)o.k);
        o.k = mn;
    }
    check_nonneg(&cc, path, sparse ? NULL : &A, sparse ? &S : NULL);
    if ((sparse ? lr_csr_frob2(&S) : lr_mat_frob2(ctx, &A)) == 0)
        cli_die(&cc, EXIT_USAGE, "%s has no non-zero entries: nothing to factorize", path);
    const char *why = lr_nmf_opts_check(&o, m, n);
    if (why) cli_die(&cc, EXIT_USAGE, "%s (%lld x %lld): %s", path, (long long)m, (long long)n, why);
    prepare_outdir(&cc, outdir);

    double t0 = cli_now();
    lr_nmf *res = NULL;
    lr_status s = sparse ? lr_nmf_csr(ctx, &S, &o, &res) : lr_nmf_dense(ctx, &A, &o, &res);
    double t_nmf = cli_now() - t0;
    int converged = 1;
    if (s == LR_ERR_NOCONV && res) {
        converged = 0;
        fprintf(stderr, "%s: warning: %s\n", cc.prog, lr_ctx_errmsg(ctx));
    } else {
        cli_check(&cc, ctx, s);
    }
    double frob2 = sparse ? lr_csr_frob2(&S) : lr_mat_frob2(ctx, &A);
    double relerr = rel_error(ctx, &A, sparse ? &S : NULL, res, frob2);
    double in_bytes = sparse ? (double)nnz * (16.0 + lr_dtype_size(t)) + 8.0 * (m + 1)
                             : (double)m * n * lr_dtype_size(t);
    lr_csr_free(ctx, &S);
    lr_mat_free(ctx, &A);

    /* Write W, H, then the report (with the write time so far), under part
     * names; rename all three at the end. */
    t0 = cli_now();
    lr_mat W = lr_nmf_w(res), H = lr_nmf_h(res);
    for (int i = 0; i < F_REPORT; i++) {
        s = lr_npy_write(ctx, cli_out_add(outdir, file_names[i]), i == F_W ? &W : &H);
        if (s) cli_die(&cc, EXIT_RUNTIME, "cannot write %s: %s; no result file was replaced",
                       cli_out_final(i), lr_ctx_errmsg(ctx));
    }
    double times[4] = {t_read, t_nmf, cli_now() - t0, cli_now() - t_start};
    cJSON *root = report(&cc, ctx, path, sparse, m, n, nnz, t, &o, res, converged, relerr,
                         times, in_bytes);
    s = cli_write_json(ctx, cli_out_add(outdir, file_names[F_REPORT]), root);
    if (s) cli_die(&cc, EXIT_RUNTIME, "cannot write %s: %s; no result file was replaced",
                   cli_out_final(F_REPORT), lr_ctx_errmsg(ctx));
    cli_out_commit(&cc);
    if (!cc.quiet) {
        cli_info(&cc, "%s: %s: %lld x %lld %s%s, k = %lld, solver %s, init %s", cc.prog, path,
                 (long long)m, (long long)n, lr_dtype_name(t), sparse ? " sparse" : "",
                 (long long)o.k, o.solver == LR_NMF_CD ? "cd" : "mu", init_name(o.init));
        cli_info(&cc, "  %d iteration%s%s, loss %.6g, relative error ||A - WH||_F / ||A||_F = "
                 "%.4f", lr_nmf_iterations(res), lr_nmf_iterations(res) == 1 ? "" : "s",
                 converged ? "" : " (max reached)", lr_nmf_loss(res), relerr);
        cli_info(&cc, "  %.3f s (read %.3f s, NMF %.3f s), peak memory %.1f MB (input %.1f MB)",
                 cli_now() - t_start, t_read, t_nmf, cli_peak_rss() / 1e6, in_bytes / 1e6);
        cli_info(&cc, "  wrote %s, %s, %s", cli_out_final(F_W), cli_out_final(F_H),
                 cli_out_final(F_REPORT));
    }
    cli_print_json(&cc, root);
    cJSON_Delete(root);
    lr_nmf_destroy(res);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}
