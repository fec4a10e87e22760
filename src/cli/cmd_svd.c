/* cmd_svd.c -- `lowrank svd A.npy -k 10 -o outdir/`: truncated SVD of a
 * .npy matrix, written as outdir/U.npy (m x r), S.npy (r) and Vt.npy (r x n).
 *
 * Order of work: options, then the output folder (created if missing and
 * probed by writing a file in it), then the input (read, NaN/Inf, rank
 * checks), then the SVD, then the three files.  Each file is first written
 * atomically under a hidden part name; only when all three are complete are
 * they renamed to U.npy, S.npy and Vt.npy, so a failed write never leaves a
 * new partial set next to (or over) an old one.  Whatever this run created
 * and did not finish is removed on exit. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
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
    "usage: lowrank svd A.npy|A.mtx -o OUTDIR [options]\n"
    "\n"
    "Truncated SVD A ~ U diag(S) Vt of a matrix stored as a NumPy .npy file\n"
    "(float32 or float64, 1-D or 2-D, C or Fortran order) or a Matrix Market\n"
    ".mtx file (kept sparse; randomized or krylov only; f64 unless --dtype).\n"
    "Writes\n"
    "  OUTDIR/U.npy   m x r, orthonormal columns (left singular vectors)\n"
    "  OUTDIR/S.npy   r singular values, descending (1-D)\n"
    "  OUTDIR/Vt.npy  r x n, orthonormal rows (right singular vectors)\n"
    "in the element type of the computation (see --dtype).  OUTDIR is created if\n"
    "missing (its parent must exist); the three files are replaced together or\n"
    "not at all.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR      output folder (required)\n"
    "  -k, --rank K          rank, 1..min(m, n) (default 10); with --tol or\n"
    "                        --energy, a given -k caps the rank instead\n"
    "  --tol T               fixed accuracy: the smallest rank whose relative\n"
    "                        error ||A - U S Vt||_F / ||A||_F is <= T, 0 < T < 1\n"
    "                        (default off: fixed rank -k)\n"
    "  --energy E            fixed accuracy: keep the fraction E of ||A||_F^2,\n"
    "                        0 < E <= 1 (default off)\n"
    "  --method M            exact | randomized | krylov (default randomized)\n"
    "  -p, --oversample P    extra sketch columns, l = k + p (default 10)\n"
    "  -q, --power-iters Q   power iterations, 0..100 (krylov: Krylov blocks - 1)\n"
    "                        (default 4)\n"
    "  --normalizer N        re-orthonormalization between power iterations:\n"
    "                        auto | lu | qr | none (default auto)\n"
    "  --block B             block size of the fixed-accuracy mode (default 16)\n"
    "  --dtype T             f32 | f64: compute and write in this type\n"
    "                        (default: as stored in A.npy)\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: A + U + Vt + O((m + n)(k + p)) workspace (exact: + a copy of\n"
    "A and its full SVD; .mtx: reading ~64 bytes per entry, then A and its\n"
    "transpose in CSR).  Exit codes: 0 ok, 1 runtime failure, 2 bad usage or\n"
    "input.\n";

/* ---- the result files (the set and its cleanup: cli_out_*, common.c) ---- */
enum { F_U, F_S, F_VT, NFILES };
static const char *const file_names[NFILES] = {"U.npy", "S.npy", "Vt.npy"};

/* ---- option parsing ---------------------------------------------------- */
enum {
    OPT_TOL = 2001, OPT_ENERGY, OPT_METHOD, OPT_NORMALIZER, OPT_BLOCK, OPT_DTYPE
};

static const struct option longopts[] = {
    {"output", required_argument, 0, 'o'},
    {"rank", required_argument, 0, 'k'},
    {"tol", required_argument, 0, OPT_TOL},
    {"energy", required_argument, 0, OPT_ENERGY},
    {"method", required_argument, 0, OPT_METHOD},
    {"oversample", required_argument, 0, 'p'},
    {"power-iters", required_argument, 0, 'q'},
    {"normalizer", required_argument, 0, OPT_NORMALIZER},
    {"block", required_argument, 0, OPT_BLOCK},
    {"dtype", required_argument, 0, OPT_DTYPE},
    CLI_COMMON_LONGOPTS,
    {0, 0, 0, 0}};

static const char *method_name(lr_svd_method m)
{
    return m == LR_SVD_EXACT ? "exact" : m == LR_SVD_KRYLOV ? "krylov" : "randomized";
}

static const char *normalizer_name(lr_normalizer n)
{
    static const char *const names[] = {"auto", "lu", "qr", "none"};
    return (unsigned)n <= LR_NORM_NONE ? names[n] : "?";
}

static int64_t parse_rank(const cli_common *cc, const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        cli_die(cc, EXIT_USAGE, "-k/--rank expects a positive integer, got '%s'", s);
    if (v < 1) cli_die(cc, EXIT_USAGE, "-k/--rank must be at least 1, got %lld", v);
    return v;
}

/* ---- the output folder -------------------------------------------------- */

/* Makes dir if missing (one level: its parent must exist) and proves it is
 * writable by creating and removing a file in it: permission bits say
 * nothing for root or on read-only file systems. */
static void prepare_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    if (!*dir) cli_die(cc, EXIT_USAGE, "-o/--output: the output folder name is empty");
    if (strlen(dir) + 64 > PATH_MAX)
        cli_die(cc, EXIT_USAGE, "output folder name '%s' is too long", dir);
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            cli_die(cc, EXIT_USAGE, "output '%s' exists and is not a folder; choose a "
                    "folder name with -o", dir);
    } else {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", dir);
        size_t l = strlen(tmp);
        while (l > 1 && tmp[l - 1] == '/') tmp[--l] = 0;
        const char *parent = dirname(tmp);
        struct stat ps;
        if (stat(parent, &ps) != 0 || !S_ISDIR(ps.st_mode))
            cli_die(cc, EXIT_USAGE, "cannot create output folder '%s': its parent '%s' %s; "
                    "create the parent first or choose another place", dir, parent,
                    stat(parent, &ps) != 0 ? "does not exist" : "is not a folder");
        if (mkdir(dir, 0755) != 0)
            cli_die(cc, EXIT_USAGE, "cannot create output folder '%s' (%s); choose a "
                    "writable place with -o", dir, strerror(errno));
        cli_out_made_dir(dir);
    }
    char probe[PATH_MAX];
    cli_path(probe, sizeof probe, dir, ".lowrank-probe-XXXXXX");
    int fd = mkstemp(probe);
    if (fd < 0)
        cli_die(cc, EXIT_USAGE, "output folder '%s' is not writable (%s); choose another "
                "place with -o", dir, strerror(errno));
    close(fd);
    unlink(probe);
    /* A folder where a result file should go cannot be replaced by rename. */
    for (int i = 0; i < NFILES; i++) {
        char p[PATH_MAX];
        cli_path(p, sizeof p, dir, file_names[i]);
        if (stat(p, &st) == 0 && !S_ISREG(st.st_mode))
            cli_die(cc, EXIT_USAGE, "'%s' exists and is not a regular file; move it away "
                    "or choose another output folder", p);
    }
}

/* Writes the three results under hidden part names, then renames them all.
 * Dies (exit 1) on failure; the atexit cleanup removes the parts. */
static void write_results(const cli_common *cc, lr_ctx *ctx, const char *dir,
                          const lr_svd *res, const lr_mat *Uall, lr_dtype t)
{
    lr_mat U = Uall ? *Uall : lr_svd_u(res), Vt = lr_svd_vt(res);
    int64_t r = lr_svd_rank(res);
    for (int i = 0; i < NFILES; i++) {
        const char *part = cli_out_add(dir, file_names[i]);
        lr_status s = i == F_U ? lr_npy_write(ctx, part, &U)
                    : i == F_S ? lr_npy_write_vector(ctx, part, lr_svd_s(res), r, t)
                               : lr_npy_write(ctx, part, &Vt);
        if (s)
            cli_die(cc, cli_exit_code(s) == EXIT_USAGE ? EXIT_RUNTIME : cli_exit_code(s),
                    "cannot write %s: %s; no result file was replaced", cli_out_final(i),
                    lr_ctx_errmsg(ctx));
    }
    cli_out_commit(cc);
}

static const char *human_bytes(char *buf, size_t n, double b)
{
    const char *u[] = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1000 && i < 4) b /= 1000, i++;
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
    return buf;
}

/* The plan from the header: the options as they will be once the shape is
 * known (k clamped to min(m, n), the fixed-accuracy cap), then the library's
 * own estimate of the SVD on top of the input. */
typedef struct { const lr_ctx *ctx; const lr_svd_opts *o; int k_given, fixed_acc; } plan_arg;

static int64_t svd_plan(void *user, int64_t m, int64_t n, int planes, size_t es)
{
    const plan_arg *a = user;
    (void)planes;
    lr_svd_opts o = *a->o;
    int64_t mn = m < n ? m : n;
    if (mn <= 0) return 0;
    if (o.k > mn) o.k = mn;
    if (a->fixed_acc) {
        o.max_rank = a->k_given ? o.k : 0;
        if (o.block > mn) o.block = mn;
    }
    int64_t work = lr_svd_mem_estimate(a->ctx, m, n, es == 4 ? LR_F32 : LR_F64, &o);
    double in = (double)m * (double)n * (double)es;
    return work < 0 || in + (double)work > 9e18 ? -1 : (int64_t)in + work;
}

int cmd_svd(int argc, char **argv)
{
    cli_common cc;
    cli_common_init(&cc, "lowrank svd");
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    const char *outdir = NULL;
    int k_given = 0, want = 0;

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:k:p:q:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'k': o.k = parse_rank(&cc, optarg), k_given = 1; break;
        case 'p':
            o.oversample = cli_parse_int(&cc, "-p/--oversample", optarg, 0, 1000000);
            break;
        case 'q':
            o.power_iters = (int)cli_parse_int(&cc, "-q/--power-iters", optarg, 0, 100);
            break;
        case OPT_TOL:
            o.tol = cli_parse_double(&cc, "--tol", optarg, 0, 1);
            if (!(o.tol > 0 && o.tol < 1))
                cli_die(&cc, EXIT_USAGE, "--tol must be strictly between 0 and 1 (a relative "
                        "error such as 0.01), got %s", optarg);
            break;
        case OPT_ENERGY:
            o.energy = cli_parse_double(&cc, "--energy", optarg, 0, 1);
            if (!(o.energy > 0))
                cli_die(&cc, EXIT_USAGE, "--energy must be in (0, 1] (a fraction such as "
                        "0.95), got %s", optarg);
            break;
        case OPT_METHOD:
            if (!strcmp(optarg, "exact")) o.method = LR_SVD_EXACT;
            else if (!strcmp(optarg, "randomized")) o.method = LR_SVD_RANDOMIZED;
            else if (!strcmp(optarg, "krylov")) o.method = LR_SVD_KRYLOV;
            else cli_die(&cc, EXIT_USAGE, "--method must be exact, randomized or krylov, "
                         "got '%s'", optarg);
            break;
        case OPT_NORMALIZER:
            if (!strcmp(optarg, "auto")) o.normalizer = LR_NORM_AUTO;
            else if (!strcmp(optarg, "lu")) o.normalizer = LR_NORM_LU;
            else if (!strcmp(optarg, "qr")) o.normalizer = LR_NORM_QR;
            else if (!strcmp(optarg, "none")) o.normalizer = LR_NORM_NONE;
            else cli_die(&cc, EXIT_USAGE, "--normalizer must be auto, lu, qr or none, got "
                         "'%s'", optarg);
            break;
        case OPT_BLOCK:
            o.block = cli_parse_int(&cc, "--block", optarg, 1, INT32_MAX);
            break;
        case OPT_DTYPE:
            want = cli_parse_dtype(&cc, optarg);
            break;
        default: cli_other_opt(&cc, c, optarg, argv, usage);
        }
    }
    o.seed = cc.seed;
    int fixed_acc = o.tol > 0 || o.energy > 0;
    if (optind >= argc)
        cli_die(&cc, EXIT_USAGE, "missing the input matrix (a .npy file); usage: lowrank svd "
                "A.npy -o OUTDIR [-k K]");
    if (argc - optind > 1)
        cli_die(&cc, EXIT_USAGE, "expected one input file, got %d ('%s', '%s'%s)",
                argc - optind, argv[optind], argv[optind + 1], argc - optind > 2 ? ", ..." : "");
    const char *path = argv[optind];
    if (!outdir)
        cli_die(&cc, EXIT_USAGE, "missing -o OUTDIR: the folder for U.npy, S.npy and Vt.npy");
    if (o.tol > 0 && o.energy > 0)
        cli_die(&cc, EXIT_USAGE, "give --tol or --energy, not both");
    size_t plen = strlen(path);
    int sparse = plen >= 4 && !strcasecmp(path + plen - 4, ".mtx");
    if (sparse && o.method == LR_SVD_EXACT)
        cli_die(&cc, EXIT_USAGE, "--method exact needs a dense matrix; %s is a sparse .mtx "
                "matrix: use --method randomized or krylov", path);
    if (fixed_acc && o.method == LR_SVD_KRYLOV)
        cli_die(&cc, EXIT_USAGE, "--tol/--energy work with --method randomized or exact, "
                "not krylov");

    if (cli_mpi && (o.method != LR_SVD_RANDOMIZED || fixed_acc || o.normalizer != LR_NORM_AUTO))
        cli_die(&cc, EXIT_USAGE, "lowrank-mpi svd runs the fixed-rank randomized SVD with the "
                "auto normalizer; %s%s%s needs the whole matrix in one process (use lowrank svd)",
                o.method != LR_SVD_RANDOMIZED ? "--method " : "",
                o.method != LR_SVD_RANDOMIZED ? method_name(o.method) : "",
                fixed_acc ? "--tol/--energy" : o.normalizer != LR_NORM_AUTO ? "--normalizer" : "");
    /* MPI (lowrank-mpi): rank 0 checks the paths and writes the results;
     * every rank reads its band of rows and takes part in the SVD. */
    const int is_root = !cli_mpi || cli_mpi->rank == 0;
    if (!is_root) cc.quiet = true, cc.json = false;
    /* The input must exist and be a readable file before anything is made. */
    struct stat st;
    if (is_root) {
    if (stat(path, &st) != 0)
        cli_die(&cc, EXIT_USAGE, "cannot read '%s' (%s)", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        cli_die(&cc, EXIT_USAGE, "'%s' is a folder, not a .npy file", path);
    FILE *probe = fopen(path, "rb");
    if (!probe) cli_die(&cc, EXIT_USAGE, "cannot read '%s' (%s)", path, strerror(errno));
    fclose(probe);

    cli_out_guard();
    prepare_outdir(&cc, outdir);
    }
    if (cli_mpi) cli_mpi->barrier(); /* rank 0's checks passed */

    double t_start = cli_now();
    lr_ctx *ctx = cli_ctx(&cc);
    /* The planned peak (README, "Peak memory"): the input plus what the SVD
     * plans on top of it for this shape (lr_svd_mem_estimate), refused from
     * the header under --max-memory. */
    plan_arg pa = {ctx, &o, k_given, fixed_acc};
    lr_ctx_set_mem_plan_fn(ctx, svd_plan, &pa, o.method == LR_SVD_EXACT ?
                           "use --max-memory to raise the limit or --method randomized" :
                           "use --max-memory to raise the limit");
    lr_mat A = {0};
    lr_csr As = {0};
    lr_status s;
    lr_rowdist rd = {0};
    if (cli_mpi && sparse) {
        cli_die(&cc, EXIT_USAGE, "%s: lowrank-mpi svd reads .npy files; factorize a .mtx "
                "matrix with lowrank svd", path);
    } else if (cli_mpi) {
        /* Every rank reads its own band of rows (one contiguous range of a
         * C-order file, one run per column of a Fortran-order one). */
        int64_t gm = 0, row0, rows;
        s = lr_npy_shape(ctx, path, &gm, NULL, NULL);
        cli_check(&cc, ctx, s);
        cli_mpi->band(gm, &row0, &rows);
        cli_check(&cc, ctx, lr_npy_read_rows(ctx, path, want, row0, rows, &A));
        rd = (lr_rowdist){cli_mpi->allreduce, NULL, gm, row0};
        double bad = lr_mat_check_finite(ctx, &A, path) != LR_OK;
        cli_check(&cc, ctx, cli_mpi->allreduce(NULL, ctx, &bad, 1, LR_REDUCE_SUM));
        if (bad > 0)
            cli_die(&cc, EXIT_USAGE, "%s contains NaN or Inf values; the SVD needs finite "
                    "numbers", path);
    } else if (sparse) {
        /* The reader checks sizes against the available memory, indices,
         * counts and NaN/Inf. */
        cli_check(&cc, ctx, lr_mtx_read(ctx, path, want ? (lr_dtype)want : LR_F64, &As));
        A = lr_mat_view(As.dtype, As.rows, As.cols, As.rows > 0 ? As.rows : 1, NULL);
    } else {
        s = lr_npy_read(ctx, path, want, 0, &A);
        cli_check(&cc, ctx, s);
        cli_check(&cc, ctx, lr_mat_check_finite(ctx, &A, path));
    }
    double t_read = cli_now() - t_start;
    int64_t nnz = As.nnz;
    int64_t m = cli_mpi ? rd.global_rows : A.rows, n = A.cols, mn = m < n ? m : n;
    lr_dtype t = A.dtype;
    if (mn == 0)
        cli_die(&cc, EXIT_USAGE, "%s is empty (%lld x %lld): nothing to factorize", path,
                (long long)m, (long long)n);
    if (k_given && o.k > mn)
        cli_die(&cc, EXIT_USAGE, "k = %lld is larger than min(m, n) = %lld for %s (%lld x "
                "%lld); choose k <= %lld", (long long)o.k, (long long)mn, path, (long long)m,
                (long long)n, (long long)mn);
    if (!k_given && !fixed_acc && o.k > mn) {
        cli_info(&cc, "%s: %s is %lld x %lld: using k = %lld instead of the default %lld",
                 cc.prog, path, (long long)m, (long long)n, (long long)mn, (long long)o.k);
        o.k = mn;
    }
    if (fixed_acc) {
        o.max_rank = k_given ? o.k : 0;
        if (o.block > mn) o.block = mn;
    }
    const char *why = lr_svd_opts_check(&o, m, n);
    if (why)
        cli_die(&cc, EXIT_USAGE, "%s (%lld x %lld): %s", path, (long long)m, (long long)n, why);

    /* The SVD. */
    lr_svd *res = NULL;
    double t0 = cli_now();
    if (cli_mpi || sparse) {
        lr_op *op = NULL;
        s = sparse ? lr_op_csr(ctx, &As, &op) : lr_op_dense(ctx, &A, &op);
        if (!s && cli_mpi) s = lr_op_set_allreduce(ctx, op, &rd);
        if (!s) s = lr_svd_compute(ctx, op, &o, &res);
        lr_op_destroy(op);
    } else {
        s = lr_svd_dense(ctx, &A, &o, &res);
    }
    double t_svd = cli_now() - t0;
    int converged = 1;
    if (s == LR_ERR_NOCONV && res) {
        converged = 0;
        fprintf(stderr, "%s: warning: %s (writing it: rank %lld)\n", cc.prog,
                lr_ctx_errmsg(ctx), (long long)lr_svd_rank(res));
    } else {
        cli_check(&cc, ctx, s);
    }
    /* the results no longer need A: lower peak while writing */
    if (sparse) lr_csr_free(ctx, &As);
    else lr_mat_free(ctx, &A);

    lr_mat Uall = {0};
    if (cli_mpi) { /* U's bands to rank 0, which writes */
        lr_mat Ub = lr_svd_u(res);
        cli_check(&cc, ctx, cli_mpi->gather(ctx, &Ub, &Uall));
        if (!is_root) {
            lr_svd_destroy(res);
            lr_ctx_destroy(ctx);
            return EXIT_OK;
        }
    }
    t0 = cli_now();
    write_results(&cc, ctx, outdir, res, cli_mpi ? &Uall : NULL, t);
    lr_mat_free(ctx, &Uall);
    double t_write = cli_now() - t0;

    /* Report. */
    int64_t r = lr_svd_rank(res);
    const double *sv = lr_svd_s(res);
    double err = lr_svd_error_estimate(res), frob2 = lr_svd_frob2(res);
    double ev_total = 0;
    for (int64_t i = 0; i < r; i++) {
        double ev = lr_svd_explained_variance(res, i);
        if (ev >= 0) ev_total += ev;
    }
    int64_t rss = cli_peak_rss();
    double in_bytes = sparse ? (double)nnz * (16.0 + (t == LR_F32 ? 4 : 8))
                             : (double)m * (double)n * (double)(t == LR_F32 ? 4 : 8);
    if (!cc.quiet) {
        char how[160], err_s[64] = "unknown", mem[32], inb[32];
        if (o.method == LR_SVD_EXACT)
            snprintf(how, sizeof how, "LAPACK gesdd");
        else
            snprintf(how, sizeof how, "p = %lld, q = %d, normalizer %s, seed %llu",
                     (long long)o.oversample, o.power_iters, normalizer_name(o.normalizer),
                     (unsigned long long)o.seed);
        cli_info(&cc, "%s: %s: %lld x %lld %s, %s SVD (%s)", cc.prog, path, (long long)m,
                 (long long)n, lr_dtype_name(t), method_name(o.method), how);
        if (err >= 0) snprintf(err_s, sizeof err_s, "%.3e", err);
        if (fixed_acc)
            cli_info(&cc, "  rank %lld chosen for %s %g; relative error ||A - U S Vt||_F / "
                     "||A||_F = %s", (long long)r, o.tol > 0 ? "--tol" : "--energy",
                     o.tol > 0 ? o.tol : o.energy, err_s);
        else
            cli_info(&cc, "  rank %lld; relative error ||A - U S Vt||_F / ||A||_F = %s",
                     (long long)r, err_s);
        int passes = lr_svd_passes(res);
        cli_info(&cc, "  %.3f s (read %.3f s, SVD %.3f s, write %.3f s), %d pass%s over A",
                 cli_now() - t_start, t_read, t_svd, t_write, passes, passes == 1 ? "" : "es");
        if (r > 0 && frob2 > 0) {
            char evs[256] = "";
            size_t used = 0;
            for (int64_t i = 0; i < r && i < 5; i++)
                used += (size_t)snprintf(evs + used, sizeof evs - used, " %.2f%%",
                                         100 * lr_svd_explained_variance(res, i));
            cli_info(&cc, "  explained variance:%s%s (total %.2f%% in %lld component%s)",
                     evs, r > 5 ? " ..." : "", 100 * ev_total, (long long)r, r == 1 ? "" : "s");
        }
        cli_info(&cc, "  peak memory %s (input %s)%s", human_bytes(mem, sizeof mem, (double)rss),
                 human_bytes(inb, sizeof inb, in_bytes), cli_mpi ? " on rank 0" : "");
        if (cli_mpi) {
            char line[256];
            cli_info(&cc, "  %s", cli_mpi->report(NULL, line, sizeof line));
        }
        cli_info(&cc, "  wrote %s (%lld x %lld), %s (%lld), %s (%lld x %lld)", cli_out_final(F_U),
                 (long long)m, (long long)r, cli_out_final(F_S), (long long)r, cli_out_final(F_VT),
                 (long long)r, (long long)n);
    }
    if (cc.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "svd");
        cJSON_AddStringToObject(root, "version", lr_version());
        cJSON_AddStringToObject(root, "input", path);
        cJSON *shape = cJSON_AddArrayToObject(root, "shape");
        cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)m));
        cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)n));
        cJSON_AddStringToObject(root, "dtype", lr_dtype_name(t));
        cJSON_AddBoolToObject(root, "sparse", sparse);
        if (sparse) cJSON_AddNumberToObject(root, "nnz", (double)nnz);
        cJSON_AddStringToObject(root, "method", method_name(o.method));
        if (fixed_acc) cJSON_AddNullToObject(root, "k");
        else cJSON_AddNumberToObject(root, "k", (double)o.k);
        cJSON_AddNumberToObject(root, "rank", (double)r);
        cJSON_AddNumberToObject(root, "oversample", (double)o.oversample);
        cJSON_AddNumberToObject(root, "power_iters", o.power_iters);
        cJSON_AddStringToObject(root, "normalizer", normalizer_name(o.normalizer));
        cJSON_AddNumberToObject(root, "tol", o.tol);
        cJSON_AddNumberToObject(root, "energy", o.energy);
        cJSON_AddNumberToObject(root, "block", (double)o.block);
        cJSON_AddNumberToObject(root, "seed", (double)o.seed);
        cJSON_AddNumberToObject(root, "threads", lr_ctx_threads(ctx));
        cJSON *svs = cJSON_AddArrayToObject(root, "singular_values");
        cJSON *evs = cJSON_AddArrayToObject(root, "explained_variance");
        for (int64_t i = 0; i < r; i++) {
            cJSON_AddItemToArray(svs, cJSON_CreateNumber(sv[i]));
            double ev = lr_svd_explained_variance(res, i);
            cJSON_AddItemToArray(evs, ev >= 0 ? cJSON_CreateNumber(ev) : cJSON_CreateNull());
        }
        if (frob2 > 0) cJSON_AddNumberToObject(root, "explained_variance_total", ev_total);
        else cJSON_AddNullToObject(root, "explained_variance_total");
        if (err >= 0) cJSON_AddNumberToObject(root, "error_estimate", err);
        else cJSON_AddNullToObject(root, "error_estimate");
        if (frob2 >= 0) cJSON_AddNumberToObject(root, "frobenius_norm", sqrt(frob2));
        cJSON_AddBoolToObject(root, "converged", converged);
        cJSON_AddNumberToObject(root, "passes", lr_svd_passes(res));
        cJSON_AddNumberToObject(root, "time_s", cli_now() - t_start);
        cJSON_AddNumberToObject(root, "read_s", t_read);
        cJSON_AddNumberToObject(root, "svd_s", t_svd);
        cJSON_AddNumberToObject(root, "write_s", t_write);
        cJSON_AddNumberToObject(root, "peak_rss_bytes", (double)rss);
        if (cli_mpi) {
            char line[256];
            cli_mpi->report(root, line, sizeof line);
        }
        cJSON *files = cJSON_AddObjectToObject(root, "files");
        for (int i = 0; i < NFILES; i++)
            cJSON_AddStringToObject(files, i == F_U ? "U" : i == F_S ? "S" : "Vt", cli_out_final(i));
        cli_print_json(&cc, root);
        cJSON_Delete(root);
    }
    lr_svd_destroy(res);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}
