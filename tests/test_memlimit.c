/* test_memlimit.c -- the memory budget (core.h, "Memory budget"): how much
 * memory is available, the refusal message, readers refusing a declared size
 * before allocating, and the planned peak of the SVD and robust PCA checked
 * against what they really allocate.
 *
 * The references are independent of the code under test: /proc/meminfo and
 * an RLIMIT_AS set here; sizes worked out by hand from the shapes; and, for
 * the operations, the real peak of live bytes seen by a counting allocator
 * hook (the planned peak must not be below it). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

/* ---- a counting allocator: calls, live bytes, their peak, the largest block */
typedef struct {
    long calls;
    int64_t live, peak, largest;
} counter;

static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;

static void *c_malloc(void *user, size_t size)
{
    counter *c = user;
    /* 64 bytes in front keep the size (and the 64-byte alignment). */
    size_t rounded = (size + 64 + 63) & ~(size_t)63;
    unsigned char *p = aligned_alloc(64, rounded);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    pthread_mutex_lock(&c_lock); /* threads may allocate too */
    c->calls++;
    if ((int64_t)size > c->largest) c->largest = (int64_t)size;
    c->live += (int64_t)size;
    if (c->live > c->peak) c->peak = c->live;
    pthread_mutex_unlock(&c_lock);
    return p + 64;
}

static void c_free(void *user, void *ptr)
{
    counter *c = user;
    if (!ptr) return;
    unsigned char *p = (unsigned char *)ptr - 64;
    size_t size;
    memcpy(&size, p, sizeof size);
    pthread_mutex_lock(&c_lock);
    c->live -= (int64_t)size;
    pthread_mutex_unlock(&c_lock);
    free(p);
}

static int g_threads = 1;

static lr_ctx *counted_ctx(counter *c, int64_t limit)
{
    memset(c, 0, sizeof *c);
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, g_threads);
    lr_allocator a = {c_malloc, c_free, c};
    lr_ctx_set_allocator(ctx, &a);
    lr_ctx_set_mem_limit(ctx, limit);
    return ctx;
}

static int has(const char *msg, const char *frag) { return strstr(msg, frag) != NULL; }

/* ---- available memory --------------------------------------------------------- */
static int64_t meminfo_kb(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            sscanf(line + kl + 1, "%lld", &v);
            break;
        }
    if (f) fclose(f);
    return v;
}

static int64_t vm_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %lld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

static void available(void)
{
    int64_t avail = lr_mem_available(), total = lr_mem_total();
    int64_t phys = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    int64_t mi = meminfo_kb("MemAvailable") * 1024;
    printf("available %.2f GiB (MemAvailable %.2f GiB), total %.2f GiB, physical %.2f GiB\n",
           avail / 1073741824.0, mi / 1073741824.0, total / 1073741824.0, phys / 1073741824.0);
    CHECK(avail > 0 && avail <= phys, "available %lld, physical %lld", (long long)avail,
          (long long)phys);
    CHECK(total > 0 && total <= phys, "total %lld, physical %lld", (long long)total,
          (long long)phys);
    /* Never more than the kernel's MemAvailable (which moves: 5% slack). */
    CHECK(mi <= 0 || avail <= mi + mi / 20, "available %lld > MemAvailable %lld",
          (long long)avail, (long long)mi);

    /* RLIMIT_AS caps it: in a child, a limit 64 MiB above what is mapped now
     * (so the child can still run); when that is below MemAvailable it must
     * be exactly the answer. */
    int64_t cap = vm_size() + ((int64_t)64 << 20);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)cap, (rlim_t)cap};
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
        int64_t a = lr_mem_available();
        int64_t m = meminfo_kb("MemAvailable") * 1024;
        if (a > cap) _exit(1);
        if (cap < m - m / 20 && a != cap) _exit(2);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "under RLIMIT_AS = %lld, lr_mem_available() was not min(MemAvailable, limit) "
          "(child status %d)", (long long)cap, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- sizes as text --------------------------------------------------------------- */
static void format(void)
{
    char b[32];
    struct { int64_t v; const char *want; } t[] = {
        {0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
        {(int64_t)3 << 30, "3.0 GiB"}, {((int64_t)7 << 30) + ((int64_t)3 << 29), "8.5 GiB"},
        {(int64_t)5 << 40, "5.0 TiB"}, {960000, "937.5 KiB"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        CHECK(!strcmp(lr_mem_format(b, sizeof b, t[i].v), t[i].want), "%lld -> '%s', want '%s'",
              (long long)t[i].v, b, t[i].want);
}

/* ---- lr_mem_check and the refusal -------------------------------------------------- */
static void check_api(void)
{
    lr_ctx *ctx = lr_ctx_create();
    CHECK(lr_ctx_mem_limit(ctx) == LR_MEM_UNLIMITED, "default limit %lld",
          (long long)lr_ctx_mem_limit(ctx));
    CHECK_OK(ctx, lr_mem_check(ctx, INT64_MAX, 1, "anything")); /* no limit */

    lr_ctx_set_mem_limit(ctx, (int64_t)2 << 30);
    lr_ctx_set_mem_plan(ctx, 1, 0, "use --max-memory to raise the limit");
    CHECK_OK(ctx, lr_mem_check(ctx, (int64_t)2 << 30, (int64_t)1 << 30, "'a.npy'"));
    lr_status s = lr_mem_check(ctx, (int64_t)3 << 30, (int64_t)1 << 30, "'a.npy' (a matrix)");
    const char *msg = lr_ctx_errmsg(ctx);
    CHECK(s == LR_ERR_NOMEM && lr_ctx_status(ctx) == LR_ERR_NOMEM, "3 GiB under 2: %s",
          lr_status_str(s));
    CHECK(lr_ctx_mem_refused(ctx), "a refusal is marked as one");
    CHECK(!strcmp(msg, "'a.npy' (a matrix) needs 3.0 GiB of memory (3.0 x the 1.0 GiB input) "
                       "but the memory limit is 2.0 GiB; use --max-memory to raise the limit"),
          "message: %s", msg);
    /* Another failure clears the mark; so does clearing the error. */
    lr_mat bad;
    CHECK(lr_mat_alloc(ctx, (lr_dtype)9, 2, 2, &bad) != LR_OK, "bad dtype accepted");
    CHECK(!lr_ctx_mem_refused(ctx), "mark kept after another error: %s", lr_ctx_errmsg(ctx));
    lr_mem_check(ctx, (int64_t)3 << 30, 0, "x");
    lr_ctx_clear_error(ctx);
    CHECK(!lr_ctx_mem_refused(ctx), "mark kept after clear_error");
    /* An overflowed estimate never fits. */
    s = lr_mem_check(ctx, -1, 0, "'huge.npy'");
    CHECK(s == LR_ERR_NOMEM && has(lr_ctx_errmsg(ctx), "more memory than can be addressed"),
          "overflow: %s", lr_ctx_errmsg(ctx));

    /* "What is available": twice the machine never fits, 1 MiB does. */
    lr_ctx_set_mem_limit(ctx, LR_MEM_AVAILABLE);
    CHECK(lr_ctx_mem_limit(ctx) == LR_MEM_AVAILABLE, "limit %lld", (long long)lr_ctx_mem_limit(ctx));
    CHECK_OK(ctx, lr_mem_check(ctx, 1 << 20, 0, "a small matrix"));
    s = lr_mem_check(ctx, 2 * lr_mem_total(), lr_mem_total(), "'big.npy'");
    msg = lr_ctx_errmsg(ctx);
    CHECK(s == LR_ERR_NOMEM && has(msg, "'big.npy' needs") && has(msg, "(2.0 x the") &&
              has(msg, "available; use --max-memory"), "2x physical: %s", msg);

    /* A single block of 64 MiB or more is compared too: refused without the
     * allocator being called. */
    counter c;
    lr_ctx *cc = counted_ctx(&c, (int64_t)70 << 20);
    lr_mat A;
    s = lr_mat_alloc(cc, LR_F64, 10000, 1000, &A); /* 80,000,000 bytes */
    CHECK(s == LR_ERR_NOMEM && lr_ctx_mem_refused(cc) && c.calls == 0,
          "80 MB block under a 70 MiB limit: %s, %ld calls: %s", lr_status_str(s), c.calls,
          lr_ctx_errmsg(cc));
    CHECK(has(lr_ctx_errmsg(cc), "76.3 MiB") && has(lr_ctx_errmsg(cc), "70.0 MiB"), "message: %s",
          lr_ctx_errmsg(cc));
    lr_ctx_set_mem_limit(cc, (int64_t)80 << 20);
    CHECK_OK(cc, lr_mat_alloc(cc, LR_F64, 10000, 1000, &A));
    lr_mat_free(cc, &A);
    CHECK(c.live == 0, "live %lld", (long long)c.live);
    lr_ctx_destroy(cc);
    lr_ctx_destroy(ctx);
}

/* ---- readers: the declared size against limit and plan, before allocating ------- */
static size_t make_npy(unsigned char *buf, int64_t rows, int64_t cols)
{
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': True, 'shape': (%lld, %lld), }",
             (long long)rows, (long long)cols);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = 118, buf[9] = 0;
    memset(buf + 10, ' ', 118);
    memcpy(buf + 10, dict, strlen(dict));
    buf[127] = '\n';
    for (int64_t i = 0; i < rows * cols; i++) {
        double v = (double)(i % 13) - 6;
        memcpy(buf + 128 + 8 * i, &v, 8);
    }
    return 128 + (size_t)(rows * cols * 8);
}

/* Runs one read under (limit, plan); returns its status; the read must have
 * allocated nothing as large as the input when it was refused. */
typedef lr_status (*read_fn)(lr_ctx *ctx, void *arg);

static lr_status read_under(const char *name, read_fn fn, void *arg, int64_t limit,
                            double per_input, double per_side, int64_t input,
                            const char *frag)
{
    counter c;
    lr_ctx *ctx = counted_ctx(&c, limit);
    lr_ctx_set_mem_plan(ctx, per_input, per_side, "HINT");
    lr_status s = fn(ctx, arg);
    if (s == LR_ERR_NOMEM) {
        const char *msg = lr_ctx_errmsg(ctx);
        CHECK(lr_ctx_mem_refused(ctx), "%s: NOMEM without the refusal mark: %s", name, msg);
        CHECK(c.largest < input, "%s: refused, yet allocated a block of %lld bytes (input %lld)",
              name, (long long)c.largest, (long long)input);
        CHECK(has(msg, frag) && has(msg, "HINT"), "%s: message lacks '%s': %s", name, frag, msg);
    }
    CHECK(c.live == 0, "%s: %lld bytes leaked", name, (long long)c.live);
    lr_ctx_destroy(ctx);
    return s;
}

typedef struct { int64_t rows, cols; int planes; size_t es; } plan_seen;
static int64_t plan_3x(void *user, int64_t rows, int64_t cols, int planes, size_t es)
{
    plan_seen *p = user;
    p->rows = rows, p->cols = cols, p->planes = planes, p->es = es;
    return 3 * rows * cols * planes * (int64_t)es + 7;
}

typedef struct { const void *buf; size_t len; const char *path; } npy_arg;
static lr_status rd_npy(lr_ctx *ctx, void *arg)
{
    npy_arg *a = arg;
    lr_mat m;
    lr_status s = a->path ? lr_npy_read(ctx, a->path, 0, 0, &m)
                          : lr_npy_read_mem(ctx, a->buf, a->len, "m.npy", 0, 0, &m);
    if (s == LR_OK) lr_mat_free(ctx, &m);
    return s;
}

typedef struct { const void *buf; size_t len; unsigned flags; lr_dtype t; } img_arg;
static lr_status rd_img(lr_ctx *ctx, void *arg)
{
    img_arg *a = arg;
    lr_image *img = NULL;
    lr_status s = lr_image_read_mem(ctx, a->buf, a->len, "p.img", a->t, a->flags, 0, &img);
    lr_image_destroy(img);
    return s;
}

static lr_status rd_lrz(lr_ctx *ctx, void *arg)
{
    img_arg *a = arg;
    lr_lrz *z = NULL;
    lr_status s = lr_lrz_read_mem(ctx, a->buf, a->len, "z.lrz", 0, &z);
    lr_lrz_destroy(z);
    return s;
}

static lr_status rd_video(lr_ctx *ctx, void *arg)
{
    img_arg *a = arg;
    lr_video_read_opts o;
    lr_video_read_opts_default(&o);
    lr_mat M = {0};
    lr_status s = lr_video_read_mem(ctx, a->buf, a->len, "v.y4m", &o, &M, NULL);
    lr_mat_free(ctx, &M);
    return s;
}

static void readers(const char *dir)
{
    /* .npy: 400 x 300 float64 = 960,000 bytes. */
    static unsigned char nb[128 + 400 * 300 * 8];
    size_t nl = make_npy(nb, 400, 300);
    npy_arg na = {nb, nl, NULL};
    const int64_t in = 960000;
    CHECK(read_under("npy at the limit", rd_npy, &na, in, 1, 0, in, "") == LR_OK, "npy 960000");
    CHECK(read_under("npy 1 byte short", rd_npy, &na, in - 1, 1, 0, in,
                     "'m.npy' (400 x 300 float64) needs 937.5 KiB of memory but the memory "
                     "limit is 937.5 KiB") == LR_ERR_NOMEM, "npy 959999");
    /* Plan 2x: 1,920,000 bytes > 1.5 MiB (1,572,864). */
    CHECK(read_under("npy plan 2x", rd_npy, &na, (int64_t)3 << 19, 2, 0, in,
                     "needs 1.8 MiB of memory (2.0 x the 937.5 KiB input)") == LR_ERR_NOMEM,
          "npy plan 2x");
    /* Per side: 960000 + s x (400 + 300) x 8: s = 100 -> 1,520,000 fits in
     * 1.5 MiB, s = 120 -> 1,632,000 does not. */
    CHECK(read_under("npy plan +100 per side", rd_npy, &na, (int64_t)3 << 19, 1, 100, in, "") ==
              LR_OK, "npy side 100");
    CHECK(read_under("npy plan +120 per side", rd_npy, &na, (int64_t)3 << 19, 1, 120, in,
                     "(1.7 x the 937.5 KiB input)") == LR_ERR_NOMEM, "npy side 120");
    /* A plan function: called with the declared shape; its figure is the
     * need (here 3 x the input + 7 bytes: 2,880,007). */
    {
        counter c;
        plan_seen seen = {0};
        for (int64_t lim = 2880006; lim <= 2880007; lim++) {
            lr_ctx *ctx = counted_ctx(&c, lim);
            lr_ctx_set_mem_plan_fn(ctx, plan_3x, &seen, "HINT");
            lr_status s = rd_npy(ctx, &na);
            CHECK(s == (lim == 2880007 ? LR_OK : LR_ERR_NOMEM), "plan fn, limit %lld: %s: %s",
                  (long long)lim, lr_status_str(s), lr_ctx_errmsg(ctx));
            CHECK(seen.rows == 400 && seen.cols == 300 && seen.planes == 1 && seen.es == 8,
                  "plan fn saw %lld x %lld x %d of %zu bytes", (long long)seen.rows,
                  (long long)seen.cols, seen.planes, seen.es);
            /* lr_ctx_set_mem_plan replaces the function. */
            lr_ctx_set_mem_plan(ctx, 1, 0, NULL);
            if (lim == 2880006) CHECK(rd_npy(ctx, &na) == LR_OK, "plan fn not replaced");
            lr_ctx_destroy(ctx);
        }
    }
    /* The file reader, the same. */
    char path[512];
    snprintf(path, sizeof path, "%s/m.npy", dir);
    FILE *f = fopen(path, "wb");
    fwrite(nb, 1, nl, f);
    fclose(f);
    npy_arg fa = {NULL, 0, path};
    CHECK(read_under("npy file 1 byte short", rd_npy, &fa, in - 1, 1, 0, in, "m.npy") ==
              LR_ERR_NOMEM, "npy file");
    CHECK(read_under("npy file at the limit", rd_npy, &fa, in, 1, 0, in, "") == LR_OK, "npy file ok");

    /* Images: 40 x 30 RGB -> 3 planes of 1200 float32 = 14,400 bytes. */
    lr_ctx *plain = lr_ctx_create();
    lr_image *img;
    lr_image_create(plain, LR_F32, 30, 40, 3, &img);
    for (int c = 0; c < 3; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++) lr_mat_set(&p, y, x, ((x + 2 * y + 5 * c) % 11) / 10.0);
    }
    img_arg png = {0}, jpg = {0};
    void *pb, *jb;
    CHECK_OK(plain, lr_image_encode_png(plain, img, 8, &pb, &png.len));
    CHECK_OK(plain, lr_image_encode_jpeg(plain, img, 90, &jb, &jpg.len));
    png.buf = pb, jpg.buf = jb, png.t = jpg.t = LR_F32;
    CHECK(read_under("PNG at the limit", rd_img, &png, 14400, 1, 0, 14400, "") == LR_OK, "png");
    CHECK(read_under("PNG 1 byte short", rd_img, &png, 14399, 1, 0, 14400,
                     "'p.img' (40 x 30 pixels, 3 channels) needs 14.1 KiB") == LR_ERR_NOMEM,
          "png short");
    CHECK(read_under("JPEG 1 byte short", rd_img, &jpg, 14399, 1, 0, 14400, "40 x 30 pixels") ==
              LR_ERR_NOMEM, "jpeg short");
    CHECK(read_under("JPEG at the limit", rd_img, &jpg, 14400, 1, 0, 14400, "") == LR_OK, "jpeg");
    png.flags = jpg.flags = LR_IMAGE_GRAY; /* one plane: 4,800 bytes */
    CHECK(read_under("PNG gray", rd_img, &png, 4800, 1, 0, 4800, "") == LR_OK, "png gray");
    CHECK(read_under("JPEG gray short", rd_img, &jpg, 4799, 1, 0, 4800, "1 channel") ==
              LR_ERR_NOMEM, "jpeg gray");
    png.t = LR_F64; /* 9,600 bytes */
    CHECK(read_under("PNG gray f64 short", rd_img, &png, 9599, 1, 0, 9600, "") == LR_ERR_NOMEM,
          "png f64");

    /* .lrz of the same image (rank 3): the plan is about the image it makes,
     * 14,400 bytes in float32. */
    lr_mat U[3], Vt[3];
    double sv[3] = {2, 1, 0.5};
    const double *sp[3] = {sv, sv, sv};
    for (int ch = 0; ch < 3; ch++) {
        lr_mat_alloc(plain, LR_F32, 30, 3, &U[ch]);
        lr_mat_alloc(plain, LR_F32, 3, 40, &Vt[ch]);
        for (int i = 0; i < 90; i++) ((float *)U[ch].data)[i] = 0.05f * (float)(i % 7);
        for (int i = 0; i < 120; i++) ((float *)Vt[ch].data)[i] = 0.04f * (float)(i % 5);
    }
    lr_lrz *z;
    img_arg za = {0};
    void *zb = NULL;
    CHECK_OK(plain, lr_lrz_create(plain, 30, 40, 3, 3, 16, U, sp, Vt, &z));
    CHECK_OK(plain, lr_lrz_encode(plain, z, 0, 3, &zb, &za.len));
    za.buf = zb;
    CHECK(read_under(".lrz at the limit", rd_lrz, &za, 14400, 1, 0, 14400, "") == LR_OK, "lrz");
    CHECK(read_under(".lrz 1 byte short", rd_lrz, &za, 14399, 1, 0, 14400,
                     "a 40 x 30 pixel image, 3 channels") == LR_ERR_NOMEM, "lrz short");
    CHECK(read_under(".lrz plan 1.1x", rd_lrz, &za, 15840, 1.1, 0, 14400, "") == LR_OK, "lrz 1.1");
    CHECK(read_under(".lrz plan 1.1x short", rd_lrz, &za, 15839, 1.1, 0, 14400, "(1.1 x") ==
              LR_ERR_NOMEM, "lrz 1.1 short");
    lr_lrz_free_buffer(plain, zb);
    lr_lrz_destroy(z);
    for (int ch = 0; ch < 3; ch++) lr_mat_free(plain, &U[ch]), lr_mat_free(plain, &Vt[ch]);

    /* Video: 16 x 12, 5 frames -> 192 x 5 float32 = 3,840 bytes. */
    static char y4m[8192];
    size_t n = (size_t)snprintf(y4m, sizeof y4m, "YUV4MPEG2 W16 H12 F25:1 Ip A1:1 C420jpeg\n");
    for (int t = 0; t < 5; t++) {
        n += (size_t)snprintf(y4m + n, sizeof y4m - n, "FRAME\n");
        for (int i = 0; i < 16 * 12; i++) y4m[n++] = (char)(16 + (i * 3 + t * 30) % 200);
        for (int i = 0; i < 2 * 8 * 6; i++) y4m[n++] = (char)128;
    }
    img_arg va = {y4m, n, 0, LR_F32};
    CHECK(read_under("video at the limit", rd_video, &va, 3840, 1, 0, 3840, "") == LR_OK, "video");
    CHECK(read_under("video 1 byte short", rd_video, &va, 3839, 1, 0, 3840,
                     "video 'v.y4m' (5 frames of 16x12 pixels, f32) needs 3.8 KiB") ==
              LR_ERR_NOMEM, "video short");
    CHECK(read_under("video plan 4x", rd_video, &va, 4 * 3840 - 1, 4, 0, 3840,
                     "(4.0 x the 3.8 KiB input)") == LR_ERR_NOMEM, "video 4x");

    lr_image_free_buffer(plain, pb);
    lr_image_free_buffer(plain, jb);
    lr_image_destroy(img);
    lr_ctx_destroy(plain);
}

/* ---- operations: planned peak >= real peak; refused below it -------------------- */
static lr_mat lowrank_mat(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, int64_t r,
                          uint64_t seed, int outliers)
{
    lr_mat A;
    lr_mat_alloc(ctx, t, m, n, &A);
    tu_rng g = {seed};
    double *X = malloc(sizeof(double) * m * r), *Y = malloc(sizeof(double) * n * r);
    for (int64_t i = 0; i < m * r; i++) X[i] = tu_randn(&g);
    for (int64_t i = 0; i < n * r; i++) Y[i] = tu_randn(&g);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double v = 0.01 * tu_randn(&g);
            for (int64_t k = 0; k < r; k++) v += X[i + k * m] * Y[j + k * n] / (k + 1);
            if (outliers && (i * 7 + j * 3) % 41 == 0) v += 4; /* sparse outliers for rpca */
            lr_mat_set(&A, i, j, v);
        }
    free(X), free(Y);
    return A;
}

typedef struct { const char *name; lr_mat A; lr_svd_opts o; int rpca; } op_case;

static lr_status run_op(lr_ctx *ctx, op_case *c)
{
    if (c->rpca) {
        lr_rpca_opts o;
        lr_rpca_opts_default(&o);
        o.max_iter = 30;
        lr_rpca *r = NULL;
        lr_status s = lr_rpca_compute(ctx, &c->A, &o, &r);
        lr_rpca_destroy(r);
        return s == LR_ERR_NOCONV ? LR_OK : s;
    }
    lr_svd *res = NULL;
    lr_status s = lr_svd_dense(ctx, &c->A, &c->o, &res);
    lr_svd_destroy(res);
    return s;
}

static int cancel_at_once(void *user, const char *stage, double frac, const char *detail)
{
    (void)user, (void)stage, (void)frac, (void)detail;
    return 1;
}

static void operations(void)
{
    lr_ctx *plain = lr_ctx_create();
    lr_mat A = lowrank_mat(plain, LR_F64, 300, 120, 4, 1, 0);
    lr_mat A32 = lowrank_mat(plain, LR_F32, 160, 260, 4, 2, 0);
    lr_mat R64 = lowrank_mat(plain, LR_F64, 300, 120, 4, 1, 1);
    lr_mat V32 = lowrank_mat(plain, LR_F32, 1200, 40, 2, 3, 1); /* a tall "video" */
    op_case cs[7];
    const char *names[] = {"randomized", "randomized f32 wide", "krylov", "exact",
                           "fixed accuracy", "rpca f32 (tall)", "rpca f64"};
    for (int i = 0; i < 7; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        cs[i].name = names[i];
        lr_svd_opts_default(&cs[i].o);
        cs[i].o.k = 8;
        cs[i].A = A;
    }
    cs[1].A = A32;
    cs[2].o.method = LR_SVD_KRYLOV;
    cs[3].o.method = LR_SVD_EXACT;
    cs[4].o.tol = 0.05, cs[4].o.block = 4, cs[4].o.max_rank = 40;
    cs[5].rpca = 1, cs[5].A = V32;
    cs[6].rpca = 1, cs[6].A = R64;
    for (int i = 0; i < 7; i++) {
        op_case *c = &cs[i];
        int64_t input = c->A.rows * c->A.cols * (int64_t)lr_dtype_size(c->A.dtype);
        /* The real peak of what the call allocates (the input is not
         * counted: it is the caller's). */
        counter k;
        lr_ctx *ctx = counted_ctx(&k, LR_MEM_UNLIMITED);
        lr_status s = run_op(ctx, c);
        CHECK(s == LR_OK, "%s: %s: %s", c->name, lr_status_str(s), lr_ctx_errmsg(ctx));
        int64_t real = k.peak;
        lr_ctx_destroy(ctx);
        /* Under a limit of 1 byte: refused before allocating anything large. */
        ctx = counted_ctx(&k, 1);
        s = run_op(ctx, c);
        CHECK(s == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx) && has(lr_ctx_errmsg(ctx), " needs "),
              "%s under 1 byte: %s: %s", c->name, lr_status_str(s), lr_ctx_errmsg(ctx));
        CHECK(k.largest < 4096 && k.live == 0, "%s: refused, yet allocated %lld bytes at once",
              c->name, (long long)k.largest);
        lr_ctx_destroy(ctx);
        /* The plan: the smallest limit that is not refused at the start
         * (bisection; a run that gets past the check is cancelled at its
         * first progress report, so each step is quick). */
        int64_t lo = 1, hi = (int64_t)1 << 40;
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            ctx = counted_ctx(&k, mid);
            lr_ctx_set_progress(ctx, cancel_at_once, NULL);
            s = run_op(ctx, c);
            int refused_at_start = s == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx) && k.peak < 4096;
            lr_ctx_destroy(ctx);
            if (refused_at_start) lo = mid;
            else hi = mid;
        }
        int64_t plan = hi, work = plan - input;
        printf("  %-22s input %8lld B, real peak %9lld B on top, planned %9lld B (%.2fx)\n",
               c->name, (long long)input, (long long)real, (long long)work,
               (double)work / (double)real);
        CHECK(work >= real, "%s: planned %lld bytes on top of the input, but the call took %lld",
              c->name, (long long)work, (long long)real);
        if (!c->rpca) { /* the public estimate is the plan */
            lr_ctx *tc = lr_ctx_create();
            lr_ctx_set_threads(tc, g_threads);
            int64_t est = lr_svd_mem_estimate(tc, c->A.rows, c->A.cols, c->A.dtype, &c->o);
            CHECK(est == work, "%s: lr_svd_mem_estimate %lld, plan %lld", c->name,
                  (long long)est, (long long)work);
            lr_ctx_destroy(tc);
        }
        /* At the plan it runs to the end (nothing it allocates later is
         * refused); one byte below, it is refused. */
        ctx = counted_ctx(&k, plan);
        s = run_op(ctx, c);
        CHECK(s == LR_OK, "%s with the limit at its planned peak: %s: %s", c->name,
              lr_status_str(s), lr_ctx_errmsg(ctx));
        lr_ctx_destroy(ctx);
        ctx = counted_ctx(&k, plan - 1);
        s = run_op(ctx, c);
        CHECK(s == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx), "%s 1 byte under its plan: %s",
              c->name, lr_status_str(s));
        lr_ctx_destroy(ctx);
    }
    lr_mat_free(plain, &A);
    lr_mat_free(plain, &A32);
    lr_mat_free(plain, &V32);
    lr_mat_free(plain, &R64);
    lr_ctx_destroy(plain);
}

int main(void)
{
    const char *dir = tu_tmpdir();
    printf("available memory:\n  ");
    available();
    format();
    check_api();
    printf("readers:\n");
    readers(dir);
    for (g_threads = 1; g_threads <= 2; g_threads++) {
        printf("operations, %d thread%s (planned peak vs. the real one):\n", g_threads,
               g_threads > 1 ? "s" : "");
        operations();
    }
    g_threads = 1;
    tu_run(NULL, 0, "rm -rf '%s'", dir);
    return tu_done("test_memlimit");
}
