/* common.c -- shared CLI plumbing: options, messages, progress, reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <libgen.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* ---- the result set (cli_out_*) ---------------------------------------------- */
static struct {
    char part[CLI_OUT_MAX][PATH_MAX];  /* complete hidden files not yet renamed */
    char final[CLI_OUT_MAX][PATH_MAX];
    volatile sig_atomic_t have_part[CLI_OUT_MAX];
    int n;
    char dir[PATH_MAX];                /* output folder made by this run */
    volatile sig_atomic_t made_dir, finished;
} out_set;

/* The writers (lr_outfile) fill a part file through a temporary of their
 * own, "<dir>/.<part name>.tmp-XXXXXX", renamed over the part when complete;
 * a signal in between leaves that temporary.  Removes it with raw syscalls
 * (open, getdents64, unlinkat): no allocation, safe in a signal handler. */
static void out_unlink_writer_tmp(const char *part)
{
    const char *slash = strrchr(part, '/');
    const char *base = slash ? slash + 1 : part;
    char dir[PATH_MAX] = ".";
    if (slash) {
        size_t dl = (size_t)(slash - part);
        if (dl >= sizeof dir) return;
        if (dl == 0) dl = 1; /* "/name": the root folder */
        memcpy(dir, part, dl);
        dir[dl] = 0;
    }
    char want[NAME_MAX + 8];
    size_t bl = strlen(base);
    if (bl + 6 >= sizeof want) return;
    want[0] = '.';
    memcpy(want + 1, base, bl);
    memcpy(want + 1 + bl, ".tmp-", 6); /* with its terminating zero */
    size_t wl = bl + 6;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[4096] __attribute__((aligned(8)));
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + off);
            if (!strncmp(d->name, want, wl)) unlinkat(fd, d->name, 0);
            off += d->reclen;
        }
    }
    close(fd);
}

/* Only async-signal-safe calls: runs from atexit and from signal handlers. */
static void out_cleanup(void)
{
    for (int i = 0; i < out_set.n; i++)
        if (out_set.have_part[i]) {
            unlink(out_set.part[i]);
            out_unlink_writer_tmp(out_set.part[i]);
            out_set.have_part[i] = 0;
        }
    if (out_set.made_dir && !out_set.finished) {
        rmdir(out_set.dir); /* only when empty: never removes anything else */
        out_set.made_dir = 0;
    }
}

static void out_on_signal(int sig)
{
    out_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_out_guard(void)
{
    static int installed;
    if (!installed) atexit(out_cleanup);
    installed = 1;
    cli_abort_cleanup = out_cleanup;
    signal(SIGINT, out_on_signal);
    signal(SIGTERM, out_on_signal);
    signal(SIGHUP, out_on_signal);
}

void cli_out_made_dir(const char *dir)
{
    snprintf(out_set.dir, sizeof out_set.dir, "%s", dir);
    out_set.made_dir = 1;
}

const char *cli_out_add(const char *dir, const char *name)
{
    if (out_set.n >= CLI_OUT_MAX) {
        fprintf(stderr, "lowrank: internal error: more than %d result files\n", CLI_OUT_MAX);
        abort();
    }
    int i = out_set.n;
    char pn[NAME_MAX + 1];
    snprintf(pn, sizeof pn, ".%s.part-%ld", name, (long)getpid());
    cli_path(out_set.part[i], PATH_MAX, dir, pn);
    cli_path(out_set.final[i], PATH_MAX, dir, name);
    out_set.have_part[i] = 1;
    out_set.n = i + 1;
    return out_set.part[i];
}

const char *cli_out_final(int i) { return i >= 0 && i < out_set.n ? out_set.final[i] : ""; }

void cli_out_commit(const cli_common *cc)
{
    /* Renames of complete files within one folder: they fail only if the
     * folder itself changes under us. */
    for (int i = 0; i < out_set.n; i++) {
        if (rename(out_set.part[i], out_set.final[i]) != 0)
            cli_die(cc, EXIT_RUNTIME, "cannot rename the finished %s into place (%s)%s",
                    out_set.final[i], strerror(errno),
                    i ? "; the files renamed before it are complete but the set is mixed"
                      : "; nothing was replaced");
        out_set.have_part[i] = 0;
    }
    out_set.finished = 1;
}

void cli_common_init(cli_common *cc, const char *prog)
{
    /* A new command: an empty result set (fuzz_cli runs many per process). */
    out_set.n = 0;
    out_set.made_dir = out_set.finished = 0;
    memset(cc, 0, sizeof *cc);
    cc->prog = prog;
    cc->max_memory = LR_MEM_AVAILABLE;
}

int cli_common_opt(cli_common *cc, int c, const char *arg, const char *usage)
{
    switch (c) {
    case CLI_OPT_SEED:
        cc->seed = (uint64_t)cli_parse_int(cc, "--seed", arg, 0, INT64_MAX);
        return 1;
    case CLI_OPT_THREADS:
        cc->threads = (int)cli_parse_int(cc, "--threads", arg, 0, 1024);
        return 1;
    case CLI_OPT_JSON: cc->json = true; return 1;
    case CLI_OPT_QUIET: cc->quiet = true; return 1;
    case CLI_OPT_MAXMEM: cc->max_memory = cli_parse_size(cc, "--max-memory", arg); return 1;
    case CLI_OPT_HELP:
        fputs(usage, stdout);
        exit(EXIT_OK);
    case '?':
        fprintf(stderr, "%s: see '%s --help'\n", cc->prog, cc->prog);
        exit(EXIT_USAGE);
    }
    return 0;
}

/* ---- progress bar: only on a terminal, throttled ------------------------ */
typedef struct {
    double last;
    char stage[64];
    int active;
} bar_state;
static bar_state bar;

static int progress_cb(void *user, const char *stage, double frac, const char *detail)
{
    (void)user;
    double t = cli_now();
    int same = !strcmp(stage, bar.stage);
    if (same && t - bar.last < 0.1 && frac < 1.0) return 0;
    bar.last = t;
    snprintf(bar.stage, sizeof bar.stage, "%s", stage);
    char line[160];
    if (frac >= 0) {
        int w = 24, n = (int)(frac * w + 0.5);
        if (n > w) n = w;
        char b[32];
        for (int i = 0; i < w; i++) b[i] = i < n ? '#' : '.';
        b[w] = 0;
        snprintf(line, sizeof line, "%-18s [%s] %3.0f%% %s", stage, b, 100 * frac, detail);
    } else {
        snprintf(line, sizeof line, "%-18s %s", stage, detail);
    }
    fprintf(stderr, "\r\033[K%.*s", 118, line);
    bar.active = 1;
    fflush(stderr);
    return 0;
}

static void bar_end(void)
{
    if (bar.active) fputs("\r\033[K", stderr);
    bar.active = 0;
}

static void log_cb(void *user, int level, const char *msg)
{
    const cli_common *cc = user;
    if (cc->quiet && level == 0) return;
    bar_end();
    fprintf(stderr, "%s: %s%s\n", cc->prog, level ? "warning: " : "", msg);
}

lr_ctx *cli_ctx(const cli_common *cc)
{
    lr_ctx *ctx = lr_ctx_create();
    if (!ctx) cli_die(cc, EXIT_RUNTIME, "out of memory");
    lr_ctx_set_threads(ctx, cc->threads);
    lr_ctx_set_log(ctx, log_cb, (void *)cc);
    if (!cc->quiet && isatty(2)) lr_ctx_set_progress(ctx, progress_cb, NULL);
    lr_ctx_set_mem_limit(ctx, cc->max_memory);
    lr_ctx_set_mem_plan(ctx, 1, 0, "use --max-memory to raise the limit");
    return ctx;
}

void cli_mem_plan(const cli_common *cc, lr_ctx *ctx, double per_input, double per_side,
                  const char *shrink)
{
    (void)cc;
    char hint[256];
    /* shrink: "--scale 0.5 or --frames" (options that make the input smaller,
     * followed by "to shrink the input") or "or ..." (said as it is). */
    if (shrink && !strncmp(shrink, "or ", 3))
        snprintf(hint, sizeof hint, "use --max-memory to raise the limit %s", shrink);
    else
        snprintf(hint, sizeof hint, "use --max-memory to raise the limit%s%s%s",
                 shrink ? ", " : "", shrink ? shrink : "", shrink ? " to shrink the input" : "");
    lr_ctx_set_mem_plan(ctx, per_input, per_side, hint);
}

int64_t cli_parse_size(const cli_common *cc, const char *opt, const char *s)
{
    if (!strcasecmp(s, "unlimited") || !strcasecmp(s, "none")) return LR_MEM_UNLIMITED;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v <= 0 || *s == '-' || *s == '+' || isspace((unsigned char)*s))
        cli_die(cc, EXIT_USAGE, "%s expects a size such as 512M, 8G, 0.5T, 75%% or "
                "'unlimited', got '%s'", opt, s);
    double mult = 0;
    int c = toupper((unsigned char)*end);
    if (c == '%') {
        int64_t total = lr_mem_total();
        if (end[1])
            cli_die(cc, EXIT_USAGE, "%s: unknown size '%s'; use a number with K, M, G or T "
                    "(powers of 1024), a percentage of the memory, or 'unlimited'", opt, s);
        if (v > 100)
            cli_die(cc, EXIT_USAGE, "%s: a percentage must be at most 100%%, got '%s'", opt, s);
        if (total <= 0)
            cli_die(cc, EXIT_USAGE, "%s %s: the machine's memory is unknown; give a size such "
                    "as 8G", opt, s);
        mult = (double)total / 100;
        end++;
    } else {
        const char *units = "BKMGT";
        const char *u = c ? strchr(units, c) : NULL;
        if (!c) mult = 1;
        else if (u) {
            mult = 1;
            for (const char *q = units; q < u; q++) mult *= 1024;
            end++;
            /* "8G", "8GB", "8GiB", "100B" */
            if (c != 'B' && (!strcasecmp(end, "b") || !strcasecmp(end, "ib"))) end += strlen(end);
        }
    }
    if (mult == 0 || *end)
        cli_die(cc, EXIT_USAGE, "%s: unknown size '%s'; use a number with K, M, G or T "
                "(powers of 1024), a percentage of the memory, or 'unlimited'", opt, s);
    double b = v * mult;
    if (b < 1 || b > 9.0e18)
        cli_die(cc, EXIT_USAGE, "%s: size '%s' is out of range (1 byte to 8 EiB)", opt, s);
    return (int64_t)b;
}
const cli_mpi_ops *cli_mpi = NULL;
void (*cli_abort_cleanup)(void) = NULL;

_Noreturn void cli_die(const cli_common *cc, int code, const char *fmt, ...)
{
    bar_end();
    /* MPI: every rank checks the same options and data and would say the
     * same; rank 0 speaks for bad input, any rank for a runtime failure. */
    if (!cli_mpi || cli_mpi->rank == 0 || code != EXIT_USAGE) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", cc ? cc->prog : "lowrank");
        if (cli_mpi && cli_mpi->rank) fprintf(stderr, "rank %d: ", cli_mpi->rank);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    if (cli_mpi) {
        if (cli_abort_cleanup) cli_abort_cleanup(); /* atexit will not run */
        /* Bad input is found by rank 0 too (the same checks on the same
         * data), whose abort ends this rank: let it, rather than abort from
         * every rank at once (OpenMPI then garbles its own messages). */
        if (cli_mpi->rank && code == EXIT_USAGE) sleep(10);
        cli_mpi->abort(code);
    }
    exit(code);
}

int cli_exit_code(lr_status s)
{
    switch (s) {
    case LR_OK: return EXIT_OK;
    case LR_ERR_ARG:
    case LR_ERR_FORMAT:
    case LR_ERR_DATA: return EXIT_USAGE;
    default: return EXIT_RUNTIME;
    }
}

void cli_check(const cli_common *cc, lr_ctx *ctx, lr_status s)
{
    if (s == LR_OK) return;
    /* A refusal under --max-memory is about the input's size: exit 2. */
    cli_die(cc, lr_ctx_mem_refused(ctx) ? EXIT_USAGE : cli_exit_code(s), "%s",
            lr_ctx_errmsg(ctx));
}

void cli_info(const cli_common *cc, const char *fmt, ...)
{
    if (cc->quiet) return;
    bar_end();
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int64_t cli_parse_int(const cli_common *cc, const char *opt, const char *s,
                      int64_t lo, int64_t hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        cli_die(cc, EXIT_USAGE, "%s expects an integer, got '%s'", opt, s);
    if (v < lo || v > hi)
        cli_die(cc, EXIT_USAGE, "%s must be between %lld and %lld, got %lld", opt,
                (long long)lo, (long long)hi, v);
    return v;
}

double cli_parse_double(const cli_common *cc, const char *opt, const char *s,
                        double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        cli_die(cc, EXIT_USAGE, "%s expects a number, got '%s'", opt, s);
    if (v < lo || v > hi)
        cli_die(cc, EXIT_USAGE, "%s must be between %g and %g, got %g", opt, lo, hi, v);
    return v;
}

lr_dtype cli_parse_dtype(const cli_common *cc, const char *s)
{
    if (!strcmp(s, "f32") || !strcmp(s, "float32")) return LR_F32;
    if (!strcmp(s, "f64") || !strcmp(s, "float64")) return LR_F64;
    cli_die(cc, EXIT_USAGE, "--dtype must be f32 or f64, got '%s'", s);
}

int cli_parse_int_list(const cli_common *cc, const char *opt, const char *s,
                       int64_t *out, int max, int64_t lo, int64_t hi)
{
    int n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == max)
            cli_die(cc, EXIT_USAGE, "%s takes at most %d values", opt, max);
        out[n++] = cli_parse_int(cc, opt, tok, lo, hi);
    }
    if (!n) cli_die(cc, EXIT_USAGE, "%s expects a comma-separated list, got '%s'", opt, s);
    return n;
}

void cli_make_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            cli_die(cc, EXIT_USAGE, "output '%s' exists and is not a folder", dir);
        if (access(dir, W_OK) != 0)
            cli_die(cc, EXIT_USAGE, "output folder '%s' is not writable", dir);
        return;
    }
    if (mkdir(dir, 0755) != 0)
        cli_die(cc, EXIT_USAGE, "cannot create output folder '%s' (%s); create its "
                "parent first or choose another place", dir, strerror(errno));
}

const char *cli_path(char *buf, size_t n, const char *dir, const char *name)
{
    size_t l = strlen(dir);
    snprintf(buf, n, "%s%s%s", dir, (l && dir[l - 1] == '/') ? "" : "/", name);
    return buf;
}

lr_status cli_write_json(lr_ctx *ctx, const char *path, const cJSON *root)
{
    char *txt = cJSON_Print(root);
    if (!txt) return LR_ERR_NOMEM;
    lr_outfile *f;
    lr_status s = lr_outfile_open(ctx, path, &f);
    if (s == LR_OK) {
        fputs(txt, lr_outfile_fp(f));
        fputc('\n', lr_outfile_fp(f));
        s = lr_outfile_commit(ctx, f);
    }
    free(txt);
    return s;
}

void cli_print_json(const cli_common *cc, const cJSON *root)
{
    if (!cc->json) return;
    char *txt = cJSON_Print(root);
    if (txt) {
        puts(txt);
        free(txt);
    }
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int64_t cli_peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)ru.ru_maxrss * 1024;
}

void cli_probe_dir(const cli_common *cc, const char *dir)
{
    /* Really create a file: access(W_OK) says yes to root even on /proc or
     * a read-only file system.  (A full disk is found later, exit 1.) */
    char probe[4200];
    lr_ctx *ctx = lr_ctx_create();
    lr_outfile *f = NULL;
    if (!ctx) cli_die(cc, EXIT_RUNTIME, "out of memory");
    lr_status s = lr_outfile_open(ctx, cli_path(probe, sizeof probe, dir, "probe"), &f);
    lr_outfile_abort(f);
    lr_ctx_destroy(ctx);
    if (s != LR_OK)
        cli_die(cc, EXIT_USAGE, "cannot write into folder '%s'; check that it exists and is "
                "writable", dir);
}

_Noreturn void cli_unknown_option(const cli_common *cc, char **argv)
{
    if (optopt > 0 && optopt < 128)
        cli_die(cc, EXIT_USAGE, "option -%c is unknown or needs a value; see '%s --help'",
                optopt, cc->prog);
    cli_die(cc, EXIT_USAGE, "option '%s' is unknown or needs a value; see '%s --help'",
            argv[optind - 1], cc->prog);
}

void cli_other_opt(cli_common *cc, int c, const char *arg, char **argv, const char *usage)
{
    if (c == ':')
        cli_die(cc, EXIT_USAGE, "option '%s' needs a value; see '%s --help'", argv[optind - 1],
                cc->prog);
    if (c == '?') cli_unknown_option(cc, argv);
    if (!cli_common_opt(cc, c, arg, usage))
        cli_die(cc, EXIT_USAGE, "unhandled option; see '%s --help'", cc->prog);
}

void cli_check_paths(const cli_common *cc, const char *kind, const char *in, const char *out)
{
    struct stat si, so;
    if (stat(in, &si) != 0)
        cli_die(cc, EXIT_USAGE, "cannot read '%s' (%s)", in, strerror(errno));
    if (S_ISDIR(si.st_mode)) cli_die(cc, EXIT_USAGE, "'%s' is a folder, not %s", in, kind);
    int exists = stat(out, &so) == 0;
    if (!strcmp(in, out) || (exists && so.st_dev == si.st_dev && so.st_ino == si.st_ino))
        cli_die(cc, EXIT_USAGE, "the output '%s' is the input file; choose another output name",
                out);
    if (exists && S_ISDIR(so.st_mode))
        cli_die(cc, EXIT_USAGE, "the output '%s' is a folder; give a file name", out);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", out);
    cli_probe_dir(cc, dirname(buf));
}
