/* ctx.c -- the context: error slot, callbacks, threads, allocator. */
#include <sys/mman.h>
#include "internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char *lr_version(void) { return LR_VERSION_STRING; }

const char *lr_status_str(lr_status s)
{
    switch (s) {
    case LR_OK: return "ok";
    case LR_ERR_ARG: return "invalid argument";
    case LR_ERR_NOMEM: return "out of memory";
    case LR_ERR_NOCONV: return "did not converge";
    case LR_ERR_LAPACK: return "LAPACK failure";
    case LR_ERR_IO: return "I/O error";
    case LR_ERR_FORMAT: return "bad file format";
    case LR_ERR_DATA: return "unusable data";
    case LR_ERR_CANCELLED: return "cancelled";
    case LR_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

lr_ctx *lr_ctx_create(void)
{
    lr_ctx *c = calloc(1, sizeof *c);
    if (c) c->mem_per_input = 1.0;
    return c;
}

void lr_ctx_destroy(lr_ctx *ctx) { free(ctx); }

const char *lr_ctx_errmsg(const lr_ctx *ctx) { return ctx ? ctx->msg : ""; }
lr_status lr_ctx_status(const lr_ctx *ctx) { return ctx ? ctx->status : LR_OK; }

void lr_ctx_clear_error(lr_ctx *ctx)
{
    ctx->status = LR_OK;
    ctx->msg[0] = 0;
    ctx->mem_refused = 0;
}

void lr_ctx_set_progress(lr_ctx *ctx, lr_progress_fn fn, void *user)
{
    ctx->progress = fn;
    ctx->progress_user = user;
}

void lr_ctx_set_log(lr_ctx *ctx, lr_log_fn fn, void *user)
{
    ctx->log = fn;
    ctx->log_user = user;
}

void lr_ctx_set_threads(lr_ctx *ctx, int n) { ctx->nthreads = n < 0 ? 0 : n; }
int lr_ctx_threads(const lr_ctx *ctx) { return lr__threads(ctx); }

void lr_ctx_set_allocator(lr_ctx *ctx, const lr_allocator *a)
{
    if (a) ctx->alloc = *a;
    else memset(&ctx->alloc, 0, sizeof ctx->alloc);
}

int lr__threads(const lr_ctx *ctx)
{
    if (ctx && ctx->nthreads > 0) return ctx->nthreads;
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

lr_status lr__err(lr_ctx *ctx, lr_status s, const char *fmt, ...)
{
    if (!ctx) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->status = s;
    ctx->mem_refused = 0;
    return s;
}

lr_status lr_ctx_set_error(lr_ctx *ctx, lr_status s, const char *fmt, ...)
{
    if (!ctx) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->status = s;
    return s;
}

lr_status lr__err_prefix(lr_ctx *ctx, lr_status s, const char *fmt, ...)
{
    if (!ctx) return s;
    char pre[512], old[sizeof ctx->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, ctx->msg, sizeof old);
    snprintf(ctx->msg, sizeof ctx->msg, "%.500s: %.500s", pre, old);
    ctx->status = s;
    return s;
}

void lr__log(lr_ctx *ctx, int level, const char *fmt, ...)
{
    if (!ctx || !ctx->log) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_user, level, buf);
}

lr_status lr__progress(lr_ctx *ctx, const char *stage, double frac,
                       const char *fmt, ...)
{
    if (!ctx || !ctx->progress) return LR_OK;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (ctx->progress(ctx->progress_user, stage, frac, buf))
        return lr__err(ctx, LR_ERR_CANCELLED, "cancelled during %s", stage);
    return LR_OK;
}

size_t lr__bytes(int64_t n, int64_t m, size_t size)
{
    if (n < 0 || m < 0) return SIZE_MAX;
    if (n == 0 || m == 0) return 0;
    if ((uint64_t)n > SIZE_MAX / (uint64_t)m) return SIZE_MAX;
    size_t nm = (size_t)n * (size_t)m;
    if (nm > SIZE_MAX / size) return SIZE_MAX;
    return nm * size;
}

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)16 << 20)

void *lr__malloc(lr_ctx *ctx, size_t size, const char *what)
{
    if (size == SIZE_MAX) {
        lr__err(ctx, LR_ERR_NOMEM, "%s: size overflows the address space", what);
        return NULL;
    }
    if (size == 0) size = 1;
    if (ctx && ctx->mem_limit && size >= ((size_t)64 << 20)) {
        char what2[160];
        snprintf(what2, sizeof what2, "out of memory: %s", what);
        if (lr__mem_work(ctx, 0, (int64_t)LR_MIN(size, (size_t)INT64_MAX), what2) != LR_OK)
            return NULL;
    }
    void *p;
    if (ctx && ctx->alloc.malloc_fn) {
        p = ctx->alloc.malloc_fn(ctx->alloc.user, size);
    } else if (size >= HUGE_MIN) {
        /* Big matrices on 2 MiB pages where the kernel offers them
         * (transparent huge pages in "madvise" mode): a pass over a row band
         * touches one page per column, and 4 KiB pages would cost a TLB miss
         * for nearly every column segment. */
        size_t rounded = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
        p = rounded < size ? NULL : aligned_alloc(HUGE_PAGE, rounded);
#ifdef MADV_HUGEPAGE
        if (p) (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
    } else {
        size_t rounded = (size + 63) & ~(size_t)63; /* aligned_alloc wants a multiple */
        p = rounded < size ? NULL : aligned_alloc(64, rounded);
    }
    if (!p)
        lr__err(ctx, LR_ERR_NOMEM, "out of memory allocating %zu bytes for %s",
                size, what);
    return p;
}

void *lr__calloc(lr_ctx *ctx, size_t n, size_t size, const char *what)
{
    size_t b = (n && size > SIZE_MAX / n) ? SIZE_MAX : n * size;
    void *p = lr__malloc(ctx, b, what);
    if (p) memset(p, 0, b);
    return p;
}

void lr__free(lr_ctx *ctx, void *p)
{
    if (!p) return;
    if (ctx && ctx->alloc.free_fn) ctx->alloc.free_fn(ctx->alloc.user, p);
    else free(p);
}
