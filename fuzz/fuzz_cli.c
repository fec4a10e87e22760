/* fuzz_cli.c -- the command line of every subcommand, in process.
 *
 * The subcommands (src/cli/cmd_*.c) parse their options with getopt_long
 * and the shared parsers of common.c, check the input and output paths,
 * and only then create a context (cli_ctx) and start working.  This
 * harness runs the real cmd_* function on an argument vector taken from
 * the input and stops it at one of two points:
 *  - exit(): every refusal goes through cli_die -> exit(2), --help through
 *    exit(0).  The link wraps exit (-Wl,--wrap=exit) and jumps back here;
 *  - cli_ctx(): the options were all accepted and the work would start.
 *    cli_ctx is wrapped too and jumps back without running the work.
 * atexit and signal are wrapped to no-ops while a command runs (the
 * commands register cleanup handlers that would pile up over millions of
 * runs).  Memory a command
 * took before exiting is not freed (exit would have freed it): run this
 * harness with -detect_leaks=0.
 *
 * Input format: arguments separated by NUL or newline bytes.  The first
 * is the subcommand (svd, compress, decompress, separate, nmf, topics,
 * recommend -- whose own first argument is train, eval, top, similar or
 * foldin; anything else picks one by its first byte and stays an
 * argument).  Every '/' becomes '_' and a leading ".." becomes "_.", so
 * that all paths stay inside a private sandbox folder (the working
 * directory), which holds small valid inputs (a.npy, a.mtx, img.png,
 * img.jpg, x.lrz, v.y4m, gt/, docs.txt, docs/, r.csv, new.csv, m.lrm,
 * out.png, outdir/) and is restored after each input (top level and every
 * folder of it).
 *
 * Checked: no memory error, exit codes are 0, 1 or 2, and nothing outside
 * the sandbox is touched. */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "../src/cli/cli.h"

/* ---- the wraps (see the link options in fuzz/CMakeLists.txt) ----------- */
static jmp_buf jb;
static volatile int in_cmd;
static volatile int exit_code;

void __real_exit(int code) __attribute__((noreturn));
void __wrap_exit(int code)
{
    if (in_cmd) {
        exit_code = code;
        longjmp(jb, 1);
    }
    __real_exit(code);
}

/* Outside a command (libFuzzer's own set-up, this harness's) the real ones. */
int __real_atexit(void (*fn)(void));
int __wrap_atexit(void (*fn)(void))
{
    return in_cmd ? 0 : __real_atexit(fn);
}

typedef void (*sighandler_fn)(int);
sighandler_fn __real_signal(int sig, sighandler_fn fn);
sighandler_fn __wrap_signal(int sig, sighandler_fn fn)
{
    return in_cmd ? SIG_DFL : __real_signal(sig, fn);
}

lr_ctx *__wrap_cli_ctx(const cli_common *cc)
{
    (void)cc;
    if (in_cmd) {
        exit_code = -1; /* reached the work */
        longjmp(jb, 2);
    }
    return NULL;
}

/* ---- the sandbox ---------------------------------------------------------- */
static char sandbox[PATH_MAX];
/* What the sandbox holds after set-up: "name" at the top, "dir/name" in
 * its folders. */
static char *base_names[128];
static int nbase;

static void die_setup(const char *what, lr_ctx *ctx)
{
    FZ_FAIL("sandbox set-up: %s: %s", what, ctx ? lr_ctx_errmsg(ctx) : "");
}

static void put_text(const char *name, const char *text)
{
    FILE *f = fopen(name, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f)) die_setup(name, NULL);
}

static void make_inputs(void)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_mat A;
    if (lr_mat_alloc(ctx, LR_F64, 6, 5, &A)) die_setup("matrix", ctx);
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 6; i++) lr_mat_set(&A, i, j, (i + 1) * (j % 3 + 1) - 2.5);
    if (lr_npy_write(ctx, "a.npy", &A)) die_setup("a.npy", ctx);
    lr_mat_free(ctx, &A);

    lr_image *img;
    if (lr_image_create(ctx, LR_F32, 8, 8, 3, &img)) die_setup("image", ctx);
    for (int c = 0; c < 3; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) lr_mat_set(&p, y, x, ((x + y + c) % 8) / 7.0);
    }
    if (lr_image_write_png(ctx, img, "img.png")) die_setup("img.png", ctx);
    if (lr_image_write_png(ctx, img, "out.png")) die_setup("out.png", ctx);
    void *buf;
    size_t len;
    if (lr_image_encode_jpeg(ctx, img, 90, &buf, &len)) die_setup("img.jpg", ctx);
    FILE *f = fopen("img.jpg", "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) die_setup("img.jpg", NULL);
    lr_image_free_buffer(ctx, buf);

    /* x.lrz: rank 1 of the first plane. */
    lr_mat U, Vt;
    if (lr_mat_alloc(ctx, LR_F32, 8, 1, &U) || lr_mat_alloc(ctx, LR_F32, 1, 8, &Vt))
        die_setup("factors", ctx);
    for (int i = 0; i < 8; i++) lr_mat_set(&U, i, 0, 0.35), lr_mat_set(&Vt, 0, i, 0.35);
    double s1 = 2.0;
    const double *sv[1] = {&s1};
    lr_lrz *z;
    if (lr_lrz_create(ctx, 8, 8, 1, 1, 16, &U, sv, &Vt, &z)) die_setup("lrz", ctx);
    if (lr_lrz_write(ctx, z, "x.lrz", 0, 0, NULL)) die_setup("x.lrz", ctx);
    lr_lrz_destroy(z);
    lr_mat_free(ctx, &U);
    lr_mat_free(ctx, &Vt);

    /* v.y4m: 4 grey 8x8 frames; gt/: their masks. */
    f = fopen("v.y4m", "wb");
    if (!f) die_setup("v.y4m", NULL);
    fputs("YUV4MPEG2 W8 H8 F25:1 Ip A1:1 C420jpeg\n", f);
    for (int t = 0; t < 4; t++) {
        fputs("FRAME\n", f);
        for (int i = 0; i < 64; i++) fputc(16 + 40 * t + (i % 8), f);
        for (int i = 0; i < 32; i++) fputc(128, f);
    }
    if (fclose(f)) die_setup("v.y4m", NULL);
    if (mkdir("gt", 0755) || mkdir("outdir", 0755)) die_setup("folders", NULL);
    lr_image *m;
    if (lr_image_create(ctx, LR_F32, 8, 8, 1, &m)) die_setup("mask", ctx);
    for (int t = 1; t <= 4; t++) {
        char name[64];
        snprintf(name, sizeof name, "gt/gt%06d.png", t);
        if (lr_image_write_png(ctx, m, name)) die_setup(name, ctx);
    }
    lr_image_destroy(m);
    lr_image_destroy(img);

    /* a.mtx (svd, nmf on sparse input), docs.txt and docs/ (topics),
     * r.csv, new.csv and m.lrm (recommend). */
    put_text("a.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 5\n"
                      "1 1 1.5\n2 2 2\n3 3 0.5\n4 1 1\n4 3 3\n");
    put_text("docs.txt", "matrix factorization of term counts\nlatent topics from word counts\n"
                         "term weighting and topics\nrandom matrix sketches\n");
    if (mkdir("docs", 0755)) die_setup("docs", NULL);
    put_text("docs/one.txt", "singular values of a matrix\n");
    put_text("docs/two.txt", "topics of documents and words\n");
    put_text("r.csv", "user,item,rating\nu1,a,5\nu1,b,3\nu2,a,4\nu2,c,1\nu3,b,2\nu3,c,5\n"
                      "u4,a,1\nu4,d,4\n");
    put_text("new.csv", "n1,a,5\nn1,d,2\nn2,c,4\n");
    lr_ratings *r;
    if (lr_ratings_read(ctx, "r.csv", 0, &r, NULL)) die_setup("r.csv", ctx);
    lr_rec_opts o;
    lr_rec_opts_default(&o);
    o.k = 2, o.iters = 2;
    lr_rec *model;
    if (lr_rec_train(ctx, r, &o, &model, NULL)) die_setup("model", ctx);
    if (lr_rec_save(ctx, model, "m.lrm")) die_setup("m.lrm", ctx);
    lr_rec_destroy(model);
    lr_ratings_destroy(r);
    lr_ctx_destroy(ctx);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) != 0) {
        chmod(path, 0700);
        remove(path);
    }
    return 0;
}

static void remove_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int is_base(const char *name)
{
    for (int i = 0; i < nbase; i++)
        if (!strcmp(base_names[i], name)) return 1;
    return 0;
}

/* Lists (record = 1) or cleans (record = 0: removes what is not listed)
 * the top of the sandbox and each of its folders, one level down. */
static void walk(const char *dir, int record)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (!*dir || !strcmp(dir, ".")) FZ_FAIL("sandbox vanished");
        return;
    }
    struct dirent *e;
    char p[PATH_MAX];
    char *sub[64];
    int nsub = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (strcmp(dir, ".")) snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        else snprintf(p, sizeof p, "%s", e->d_name);
        struct stat st;
        int isdir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
        if (record) {
            if (nbase < 128) base_names[nbase++] = strdup(p);
        } else if (!is_base(p)) {
            remove_tree(p);
            continue;
        }
        if (isdir && !strcmp(dir, ".") && nsub < 64) sub[nsub++] = strdup(p);
    }
    closedir(d);
    for (int i = 0; i < nsub; i++) {
        walk(sub[i], record);
        free(sub[i]);
    }
}

/* Removes whatever a run added at the top of the sandbox and in its
 * folders (outdir/, gt/, docs/). */
static void restore(void) { walk(".", 0); }

static void cleanup_sandbox(void)
{
    if (!sandbox[0] || chdir("/") != 0) return;
    remove_tree(sandbox);
}

static void setup(void)
{
    if (sandbox[0]) return;
    const char *tmp = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/lowrank-fuzz-cli-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sandbox) || chdir(sandbox) != 0) FZ_FAIL("cannot make the sandbox");
    atexit(cleanup_sandbox); /* not in a command: the real atexit */
    make_inputs();
    walk(".", 1);
}

/* ---- one input ------------------------------------------------------------ */
#define MAX_ARGS 48

static const struct {
    const char *name;
    int (*fn)(int, char **);
} cmds[] = {{"svd", cmd_svd},           {"compress", cmd_compress},
            {"decompress", cmd_decompress}, {"separate", cmd_separate},
            {"nmf", cmd_nmf},           {"topics", cmd_topics},
            {"recommend", cmd_recommend}};
enum { NCMDS = sizeof cmds / sizeof cmds[0] };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    /* Split into arguments (copied: the commands keep pointers to them). */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *args[MAX_ARGS + 2];
    int n = 0;
    char *p = text, *end = text + size;
    if (size && (end[-1] == '\n' || end[-1] == 0)) *--end = 0; /* one trailing separator */
    while (p <= end && n < MAX_ARGS) {
        char *q = p;
        while (q < end && *q && *q != '\n') q++;
        *q = 0;
        for (char *r = p; r < q; r++)
            if (*r == '/') *r = '_';
        if (p[0] == '.' && p[1] == '.') p[0] = '_';
        args[n++] = p;
        p = q + 1;
    }
    int which = -1;
    for (int i = 0; i < NCMDS; i++)
        if (n && !strcmp(args[0], cmds[i].name)) which = i;
    char *argv[MAX_ARGS + 3];
    int argc = 0;
    if (which >= 0) {
        for (int i = 0; i < n; i++) argv[argc++] = args[i];
    } else {
        which = size ? data[0] % NCMDS : 0;
        argv[argc++] = (char *)cmds[which].name;
        for (int i = 0; i < n; i++) argv[argc++] = args[i];
    }
    argv[argc] = NULL;

    /* glibc getopt keeps a pointer into the previous argv: a fresh start. */
    static char *reset_argv[] = {"reset", NULL};
    optind = 0;
    opterr = 0;
    getopt(1, reset_argv, "");
    optind = 1;

    in_cmd = 1;
    exit_code = -2;
    if (setjmp(jb) == 0) exit_code = cmds[which].fn(argc, argv);
    in_cmd = 0;
    fflush(stdout);
    int code = exit_code;
    if (getenv("FZ_VERBOSE"))
        fprintf(stderr, "  cli: lowrank %s -> %s %d\n", cmds[which].name,
                code == -1 ? "reached the work" : "exit", code);
    if (!(code == -1 || code == 0 || code == 1 || code == 2))
        FZ_FAIL("'lowrank %s' ended with exit code %d", cmds[which].name, code);
    restore();
    free(text);
    return 0;
}
