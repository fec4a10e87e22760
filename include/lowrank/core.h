/* core.h -- liblowrank basics: version, status codes, context.
 * Include <lowrank/lowrank.h> for everything.
 *
 * liblowrank factorizes matrices: exact and randomized SVD (svd.h), robust PCA
 * (rpca.h), and moves matrices to and from files, images and video (media.h).
 *
 * Conventions that hold in every header:
 *  - Every call that can fail returns an lr_status; LR_OK is 0.  The readable
 *    message of the last failure lives in the lr_ctx passed to the call
 *    (lr_ctx_errmsg), never in a global.
 *  - The library never prints, exits or aborts.  Progress and log lines go
 *    through callbacks set on the context.
 *  - Handles (lr_ctx, lr_op, lr_svd, ...) are opaque; every destroy(NULL) is a
 *    harmless no-op.  What a function returns through an out-pointer belongs to
 *    the caller, who frees it with the matching destroy/free function.
 *  - Sizes are int64_t.  Matrices are column-major with a leading dimension.
 *  - Limits: a dimension handed to LAPACK must fit in a 32-bit int; larger
 *    problems are refused with LR_ERR_ARG before any work starts.
 */
#ifndef LOWRANK_CORE_H
#define LOWRANK_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LR_BUILDING_LIBRARY)
#define LR_API __attribute__((visibility("default")))
#else
#define LR_API
#endif

#define LR_VERSION_MAJOR 0
#define LR_VERSION_MINOR 1
#define LR_VERSION_PATCH 0
#define LR_VERSION_STRING "0.1.0"

/* Version of the library actually linked (may differ from the header's). */
LR_API const char *lr_version(void);

typedef enum lr_status {
    LR_OK = 0,
    LR_ERR_ARG,         /* invalid argument or option: fix the call */
    LR_ERR_NOMEM,       /* an allocation failed; nothing was leaked */
    LR_ERR_NOCONV,      /* an iteration stopped before converging; the best
                           result so far is returned */
    LR_ERR_LAPACK,      /* LAPACK reported a failure (info != 0) */
    LR_ERR_IO,          /* reading or writing a file failed */
    LR_ERR_FORMAT,      /* input file malformed, truncated or unsupported */
    LR_ERR_DATA,        /* input data unusable: NaN/Inf, empty, ... */
    LR_ERR_CANCELLED,   /* the progress callback asked to stop */
    LR_ERR_INTERNAL     /* a bug: please report */
} lr_status;

/* A short constant name for a status ("invalid argument", ...). */
LR_API const char *lr_status_str(lr_status s);

/* ---- Context -----------------------------------------------------------
 * An lr_ctx carries what a sequence of calls shares: the last error message,
 * the progress and log callbacks, the thread count and the allocator.  One
 * context must not be used by two threads at once; use one per thread. */
typedef struct lr_ctx lr_ctx;

/* Progress: stage is a short name ("power iteration", "decode"), fraction is
 * in [0,1] or negative when unknown, detail is a short free text (may be "").
 * Return non-zero to cancel: the running call then returns LR_ERR_CANCELLED. */
typedef int (*lr_progress_fn)(void *user, const char *stage, double fraction,
                              const char *detail);
/* Log: level 0 = info, 1 = warning. */
typedef void (*lr_log_fn)(void *user, int level, const char *msg);

/* Replaceable allocator (for embedding and for fault-injection tests).
 * malloc_fn returns NULL on failure; memory must be 64-byte aligned. */
typedef struct lr_allocator {
    void *(*malloc_fn)(void *user, size_t size);
    void (*free_fn)(void *user, void *ptr);
    void *user;
} lr_allocator;

/* Returns NULL only when the system is out of memory. */
LR_API lr_ctx *lr_ctx_create(void);
LR_API void lr_ctx_destroy(lr_ctx *ctx);
/* Message of the last failure on this context ("" when none). */
LR_API const char *lr_ctx_errmsg(const lr_ctx *ctx);
LR_API lr_status lr_ctx_status(const lr_ctx *ctx);
LR_API void lr_ctx_clear_error(lr_ctx *ctx);
/* Records a failure (status s, printf-style message) on the context and
 * returns s: for callbacks the library calls (custom operators, reduction
 * hooks) to explain the error they return. */
LR_API lr_status lr_ctx_set_error(lr_ctx *ctx, lr_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
LR_API void lr_ctx_set_progress(lr_ctx *ctx, lr_progress_fn fn, void *user);
LR_API void lr_ctx_set_log(lr_ctx *ctx, lr_log_fn fn, void *user);
/* Threads used by the library's own loops and by BLAS; 0 = all cores.
 * Results are bit-identical whatever the thread count. */
LR_API void lr_ctx_set_threads(lr_ctx *ctx, int nthreads);
LR_API int lr_ctx_threads(const lr_ctx *ctx);
/* NULL restores the system allocator.  Set it before allocating anything:
 * memory must be freed by the allocator that gave it. */
LR_API void lr_ctx_set_allocator(lr_ctx *ctx, const lr_allocator *a);

/* ---- Memory budget -----------------------------------------------------
 * Bytes this process can allocate now: the smallest of MemAvailable
 * (/proc/meminfo), the cgroup (v2 or v1) memory limit minus its usage, and
 * RLIMIT_AS / RLIMIT_DATA; -1 when unknown.  A snapshot, not a promise. */
LR_API int64_t lr_mem_available(void);
/* Physical memory, capped by the cgroup limit; -1 when unknown. */
LR_API int64_t lr_mem_total(void);

/* The context's memory limit: LR_MEM_UNLIMITED (the default), a number of
 * bytes, or LR_MEM_AVAILABLE (what lr_mem_available() reports at each
 * check).  With a limit the library refuses, before allocating, work that
 * would not fit -- LR_ERR_NOMEM, lr_ctx_mem_refused() true, and a message
 * "WHAT needs 7.3 GiB (4.2 x the 1.7 GiB input), 3.1 GiB available; HINT":
 *  - the readers (lr_npy_read, lr_image_read, lr_lrz_read, lr_video_read)
 *    compare the plan below with the limit from the header, before the data
 *    are allocated;
 *  - lr_svd_* and lr_rpca_compute compare their workspace (plus the input,
 *    for a byte limit) before allocating it;
 *  - every single allocation of 64 MiB or more is compared too.
 * Memory the caller holds outside the library is not counted. */
#define LR_MEM_UNLIMITED 0
#define LR_MEM_AVAILABLE (-1)
LR_API void lr_ctx_set_mem_limit(lr_ctx *ctx, int64_t bytes);
LR_API int64_t lr_ctx_mem_limit(const lr_ctx *ctx);
/* The caller's plan for what it reads next: its peak will be per_input x
 * the matrix a reader allocates (input included) plus per_side x
 * (rows + cols) elements per plane (low-rank factors).  Default 1, 0: the
 * reader refuses only an input that alone exceeds the limit.  hint (copied,
 * may be NULL) ends every refusal, e.g. "use --max-memory to raise the
 * limit". */
LR_API void lr_ctx_set_mem_plan(lr_ctx *ctx, double per_input, double per_side,
                                const char *hint);
/* The same plan as a function of the declared shape, for peaks that are
 * not a multiple of the input: fn returns the bytes needed in all (input
 * included) for a rows x cols matrix of `planes` planes of elem_size-byte
 * elements, or -1 when that overflows.  NULL goes back to the multiples. */
typedef int64_t (*lr_mem_plan_fn)(void *user, int64_t rows, int64_t cols,
                                  int planes, size_t elem_size);
LR_API void lr_ctx_set_mem_plan_fn(lr_ctx *ctx, lr_mem_plan_fn fn, void *user,
                                   const char *hint);
/* Compares an estimate made by the caller with the limit: need bytes in
 * all, of which input bytes are the input (0 if not known), for `what`
 * (e.g. "'a.npy' (300 x 400 float64)").  LR_OK, or the refusal above. */
LR_API lr_status lr_mem_check(lr_ctx *ctx, int64_t need, int64_t input,
                              const char *what);
/* Non-zero when the last failure on ctx was a refusal under the memory
 * limit (nothing too large was attempted), zero for a failed allocation. */
LR_API int lr_ctx_mem_refused(const lr_ctx *ctx);
/* "1.5 GiB", "512.0 MiB", "900 B" into buf (returns buf). */
LR_API const char *lr_mem_format(char *buf, size_t n, int64_t bytes);

#ifdef __cplusplus
}
#endif

#endif
