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
 * Bytes a new allocation can have now: min(MemAvailable, cgroup limit - use,
 * RLIMIT_AS, RLIMIT_DATA); -1 when unknown.  A snapshot, not a promise. */
int64_t lr__mem_available(void);
/* Physical memory (capped by the cgroup limit); -1 when unknown. */
int64_t lr__mem_total(void);
/* LR_OK when `need` bytes fit: under `limit` when limit > 0 (a caller's
 * override, e.g. --max-memory), else under lr__mem_available().  Otherwise
 * LR_ERR_DATA with "WHAT needs X GiB of memory but this machine has Y GiB
 * available; HINT" (hint may be NULL, e.g. "use --max-memory to override").
 * need < 0 means the estimate overflowed: always refused.  Unknown
 * available memory passes (the allocation itself will tell). */
lr_status lr__mem_check(lr_ctx *ctx, int64_t need, int64_t limit, const char *what,
                        const char *hint);

#define LR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* Largest dimension handed to LAPACK/BLAS (32-bit integers). */
#define LR_LAPACK_MAX 2147483647LL

#endif
