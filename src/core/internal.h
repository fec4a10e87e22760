/* internal.h -- what every library source file shares; not installed.
 * Error reporting, allocation through the context's allocator, threads. */
#ifndef LR_INTERNAL_H
#define LR_INTERNAL_H
#include "lowrank/lowrank.h"
#include <stdarg.h>
#include <stdbool.h>

struct lr_ctx {
    lr_status status;
    char msg[1024];
    lr_progress_fn progress;
    void *progress_user;
    lr_log_fn log;
    void *log_user;
    int nthreads;          /* 0 = all cores */
    lr_allocator alloc;    /* malloc_fn NULL = system allocator */
    /* Memory budget (memlimit.c): limit 0 = none, LR_MEM_AVAILABLE = what
     * lr_mem_available() says at each check, > 0 = bytes.  The plan is the
     * caller's peak as mem_per_input x the input a reader allocates plus
     * mem_per_side x (rows + cols) elements; hint ends refusals. */
    int64_t mem_limit;
    double mem_per_input, mem_per_side;
    lr_mem_plan_fn mem_plan_fn;
    void *mem_plan_user;
    char mem_hint[256];
    int mem_refused;       /* last failure was a refusal under the budget */
};

/* Records status and a printf-style message on ctx and returns status, so a
 * failure path reads `return lr__err(ctx, LR_ERR_ARG, "k must be > 0");`. */
lr_status lr__err(lr_ctx *ctx, lr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the message already on ctx with "what: " (keeps the status). */
lr_status lr__err_prefix(lr_ctx *ctx, lr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lr__log(lr_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Calls the progress callback; returns LR_ERR_CANCELLED (message set) when
 * it asks to stop, LR_OK otherwise. */
lr_status lr__progress(lr_ctx *ctx, const char *stage, double frac,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 64-byte aligned memory from the context's allocator.  NULL after setting
 * an LR_ERR_NOMEM message naming `what`.  size 0 gives a valid pointer. */
void *lr__malloc(lr_ctx *ctx, size_t size, const char *what);
void *lr__calloc(lr_ctx *ctx, size_t n, size_t size, const char *what);
void lr__free(lr_ctx *ctx, void *p);

/* Threads for the library's loops: the context's setting or all cores. */
int lr__threads(const lr_ctx *ctx);

/* n * size in bytes, or SIZE_MAX when it would overflow. */
size_t lr__bytes(int64_t n, int64_t m, size_t size);

/* ---- memory limits (memlimit.c) -------------------------------------------
 * lr_mem_available() / lr_mem_total() are public (core.h).  The budget of a
 * context (lr_ctx_set_mem_limit) is checked three ways:
 *  - readers, before allocating what a header declares: lr__mem_reader with
 *    the matrix shape; the need is the caller's plan (lr_ctx_set_mem_plan):
 *    per_input x the bytes + per_side x (rows + cols) x elem x planes;
 *  - operations, before their workspace: lr__mem_work with the bytes they
 *    will allocate on top of the input (already held);
 *  - lr__malloc, for any single block of 64 MiB or more.
 * Each returns LR_OK, or LR_ERR_NOMEM with "WHAT needs X (F x the Y input),
 * Z available; HINT" and marks the context (lr_ctx_mem_refused). */
lr_status lr__mem_reader(lr_ctx *ctx, int64_t rows, int64_t cols, int planes,
                         lr_dtype t, const char *what);
lr_status lr__mem_work(lr_ctx *ctx, int64_t input, int64_t extra, const char *what);
/* Bytes an SVD (svd.c) allocates on top of its rows x cols input at its
 * peak: an upper estimate, LAPACK's workspace included; *how names the
 * method ("a randomized SVD").  Used by svd.c and rpca.c's plans. */
double lr__svd_work_bytes(const lr_ctx *ctx, int64_t rows, int64_t cols, lr_dtype t,
                          const lr_svd_opts *o, int warm, const char **how);
/* The context's limit in bytes now: 0 when none (or unknown). */
int64_t lr__mem_limit_now(const lr_ctx *ctx);

#define LR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* Largest dimension handed to LAPACK/BLAS (32-bit integers). */
#define LR_LAPACK_MAX 2147483647LL

#endif
