/* fuzz_util.h -- what the libFuzzer harnesses share.
 *
 * Every harness defines LLVMFuzzerTestOneInput(data, size).  It is linked
 * either with libFuzzer (clang, -fsanitize=fuzzer: the LOWRANK_FUZZ build) or
 * with replay_main.c (any compiler: replays saved inputs as a CTest test).
 *
 * Beyond "no crash, no sanitizer report, no leak", the harnesses check the
 * contracts the headers promise, and abort() (a finding) when one is broken:
 *  - a failing call returns a documented status with a non-empty message
 *    that names the input (FZ_NAME), and leaves *out empty;
 *  - a successful call gives sizes within the caps the caller passed and
 *    data that can be read in full (ASan then proves it is in bounds). */
#ifndef LR_FUZZ_UTIL_H
#define LR_FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lowrank/lowrank.h"

/* The name every harness passes as the file name; messages must quote it. */
#define FZ_NAME "fuzz-input"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding that is not a memory error: print why and abort (libFuzzer then
 * saves the input as crash-*). */
#define FZ_FAIL(...)                                                        \
    do {                                                                    \
        fprintf(stderr, "fuzz contract broken at %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                                       \
        fputc('\n', stderr);                                                \
        abort();                                                            \
    } while (0)

static inline int fz_ignored(const char *check);

/* The largest single allocation a harness allows through the library's
 * allocator.  Every harness passes caps (pixels, bytes) that bound what a
 * valid input can need well below this; a bigger request means a size taken
 * from the input was not checked before allocating (a 45-byte file asking
 * for 2 GB).  libFuzzer's -malloc_limit_mb catches the same outside the
 * library's allocator, but only while fuzzing: this check also fires when a
 * regression input is replayed. */
#ifndef FZ_MAX_ALLOC
#define FZ_MAX_ALLOC ((size_t)256 << 20)
#endif

static inline void *fz_malloc(void *user, size_t size)
{
    (void)user;
    if (size > FZ_MAX_ALLOC && !fz_ignored("alloc-cap"))
        FZ_FAIL("one allocation of %zu bytes (more than %zu; alloc-cap): a size read from "
                "the input reached the allocator unchecked", size, (size_t)FZ_MAX_ALLOC);
    size_t rounded = (size + 63) & ~(size_t)63;
    return rounded < size ? NULL : aligned_alloc(64, rounded ? rounded : 64);
}

static inline void fz_free(void *user, void *p)
{
    (void)user;
    free(p);
}

/* A context for one input: one thread (fuzzing runs one input at a time and
 * OpenMP pools would only add noise), no callbacks, the capped allocator. */
static inline lr_ctx *fz_ctx(void)
{
    lr_ctx *ctx = lr_ctx_create();
    if (!ctx) FZ_FAIL("lr_ctx_create returned NULL");
    lr_ctx_set_threads(ctx, 1);
    lr_allocator a = {fz_malloc, fz_free, NULL};
    lr_ctx_set_allocator(ctx, &a);
    return ctx;
}

/* With FZ_VERBOSE set in the environment, each call's outcome is printed
 * (to see which inputs a harness accepts when replaying). */
static inline void fz_note(const char *what, lr_ctx *ctx, lr_status s)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "  %s: %s%s%s\n", what, lr_status_str(s), s ? ": " : "",
                s ? lr_ctx_errmsg(ctx) : "");
}

/* FZ_IGNORE="name,name" in the environment skips the named contract checks
 * (e.g. to keep exploring past a known, reported finding).  Never set in
 * make test or the replay test. */
static inline int fz_ignored(const char *check)
{
    const char *e = getenv("FZ_IGNORE");
    return e && strstr(e, check) != NULL;
}

/* Checks a failure: s is one of the allowed statuses (a 0-terminated list
 * after LR_OK is never given), the message is non-empty and, when
 * name != NULL, quotes it. */
static inline void fz_check_error(lr_ctx *ctx, lr_status s, const char *name,
                                  const lr_status *allowed, int nallowed)
{
    int ok = 0;
    for (int i = 0; i < nallowed; i++) ok |= s == allowed[i];
    const char *msg = lr_ctx_errmsg(ctx);
    if (!ok) FZ_FAIL("undocumented status %d (%s): %s", (int)s, lr_status_str(s), msg);
    if (!msg || !*msg) FZ_FAIL("status %s with an empty message", lr_status_str(s));
    if (name && s != LR_ERR_NOMEM && !strstr(msg, name))
        FZ_FAIL("the message does not name the input '%s': %s", name, msg);
    if (lr_ctx_status(ctx) != s)
        FZ_FAIL("returned %s but the context says %s", lr_status_str(s),
                lr_status_str(lr_ctx_status(ctx)));
}

/* For the readers that only take a path: the input written to a memfd
 * (an anonymous in-memory file), whose name /proc/self/fd/N goes into
 * path[n].  Returns the descriptor (close it when done), or -1 when the
 * memfd cannot be made or filled: the input is then skipped. */
static inline int fz_memfd(const char *name, const uint8_t *data, size_t size, char *path,
                           size_t n)
{
    int fd = (int)syscall(SYS_memfd_create, name, 0u);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (off != size) {
        close(fd);
        return -1;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}

/* A private folder for the harnesses that need files with names:
 * $TMPDIR/lowrank-fuzz-TAG-XXXXXX into dir[n] (made once; later calls
 * return at once), and cleanup (may be NULL) run at exit to empty it. */
static inline void fz_private_dir(char *dir, size_t n, const char *tag, void (*cleanup)(void))
{
    if (dir[0]) return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/lowrank-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(dir)) FZ_FAIL("cannot make a private folder %s", dir);
    if (cleanup) atexit(cleanup);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32), bit by bit: written here
 * independently of the library's (src/rec) to re-seal .lrm inputs. */
static inline uint32_t fz_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Reads every element of m (so ASan sees the whole extent) and returns
 * their count that are not finite. */
static inline int64_t fz_touch(const lr_mat *m)
{
    int64_t bad = 0;
    if (m->rows <= 0 || m->cols <= 0) return 0; /* (0, 10^12) must not spin */
    volatile double sink = 0;
    for (int64_t j = 0; j < m->cols; j++)
        for (int64_t i = 0; i < m->rows; i++) {
            double v = m->dtype == LR_F32
                           ? (double)((const float *)m->data)[i + j * m->ld]
                           : ((const double *)m->data)[i + j * m->ld];
            bad += !(v - v == 0);
            sink += v;
        }
    (void)sink;
    return bad;
}

/* Same for a matrix whose values must lie in [lo, hi] (NaN is out). */
static inline int64_t fz_count_outside(const lr_mat *m, double lo, double hi)
{
    int64_t bad = 0;
    if (m->rows <= 0 || m->cols <= 0) return 0;
    for (int64_t j = 0; j < m->cols; j++)
        for (int64_t i = 0; i < m->rows; i++) {
            double v = m->dtype == LR_F32
                           ? (double)((const float *)m->data)[i + j * m->ld]
                           : ((const double *)m->data)[i + j * m->ld];
            bad += !(v >= lo && v <= hi);
        }
    return bad;
}

#endif
