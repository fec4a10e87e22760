/* work.c -- lr_rpca_compute's two big buffers (Y and T), made ahead of time
 * and mapped page by page on a thread of the caller's while it prepares M
 * (rpca.h, "The workspace, made ahead of time").
 *
 * Why: the first write to a fresh page costs a fault, the kernel's zeroing
 * of the page and, on a virtual machine whose host backs guest memory
 * lazily, the host's own fault: on the 2-core VM here 0.1 to 0.6 s per
 * 244 MB buffer.  lr_rpca_compute otherwise pays that in its first pass
 * (Y_0 = M / J, T_0 = c M), on the cores that then run the iterations.
 * Mapping is all it does: the contents stay undefined, and rpca.c writes
 * every element before reading it, so the bits of the results do not
 * depend on whether (or how far) the prefault ran. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rpca_internal.h"

#define PREFAULT_STEP ((size_t)4 << 20)

lr_status lr_rpca_work_create(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n,
                              const lr_rpca_opts *o, lr_rpca_work **out)
{
    if (!out) return lr__err(ctx, LR_ERR_ARG, "rpca workspace: out is NULL");
    *out = NULL;
    if (t != LR_F32 && t != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "rpca workspace: the element type must be f32 or f64");
    lr_rpca_opts defo;
    if (!o) lr_rpca_opts_default(&defo), o = &defo;
    const char *why = lr_rpca_opts_check(o, m, n);
    if (why) return lr__err(ctx, LR_ERR_ARG, "rpca workspace: %s", why);
    const size_t es = lr_dtype_size(t);
    size_t b = lr__bytes(m, n, es);
    if (b == SIZE_MAX)
        return lr__err(ctx, LR_ERR_NOMEM, "rpca workspace: %lld x %lld overflows the address "
                       "space", (long long)m, (long long)n);
    /* The check lr_rpca_compute will make, with M (not allocated yet) in it. */
    double Mb = (double)b, extra = rpca__plan_extra(ctx, o, t, m, m, n, lr__threads(ctx));
    char what[160];
    snprintf(what, sizeof what, "robust PCA of a %lld x %lld %s matrix", (long long)m,
             (long long)n, lr_dtype_name(t));
    lr_status st = lr__mem_work(ctx, 0, Mb + extra < 9e18 ? (int64_t)(Mb + extra) : -1, what);
    if (st) return st;
    lr_rpca_work *w = lr__calloc(ctx, 1, sizeof *w, "rpca workspace");
    if (!w) return LR_ERR_NOMEM;
    w->t = t, w->m = m, w->n = n;
    atomic_init(&w->stop, 0);
    void *y = lr__malloc(ctx, b, "rpca dual variable Y");
    void *tt = y ? lr__malloc(ctx, b, "rpca SVD input T") : NULL;
    if (!tt) {
        lr__free(ctx, y);
        lr__free(ctx, w);
        return LR_ERR_NOMEM;
    }
    w->Y = (lr_mat){t, m, n, m, y};
    w->T = (lr_mat){t, m, n, m, tt};
    *out = w;
    return LR_OK;
}

/* Maps [p, p + len) writable without changing what it holds where the
 * kernel offers MADV_POPULATE_WRITE (Linux 5.14+) on the whole pages inside;
 * otherwise, and for partial pages at the ends, writes one byte per page
 * (the buffer is undefined and nobody else uses it yet). */
static void map_range(char *p, size_t len, size_t page)
{
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(page - 1);
#ifdef MADV_POPULATE_WRITE
    if (e > a && madvise((void *)a, e - a, MADV_POPULATE_WRITE) == 0) {
        if ((uintptr_t)p < a) *(volatile char *)p = 0;
        if ((uintptr_t)p + len > e) *(volatile char *)(p + len - 1) = 0;
        return;
    }
#endif
    (void)a, (void)e;
    for (size_t i = 0; i < len; i += page) ((volatile char *)p)[i] = 0;
    if (len) ((volatile char *)p)[len - 1] = 0;
}

int64_t lr_rpca_work_prefault(lr_rpca_work *w)
{
    if (!w) return 0;
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    int64_t done = 0;
    lr_mat *buf[2] = {&w->Y, &w->T};
    for (int k = 0; k < 2; k++) {
        char *p = buf[k]->data;
        size_t len = p ? lr__bytes(buf[k]->rows, buf[k]->cols, lr_dtype_size(w->t)) : 0;
        for (size_t off = 0; off < len; off += PREFAULT_STEP) {
            if (atomic_load_explicit(&w->stop, memory_order_relaxed)) return done;
            size_t c = LR_MIN(PREFAULT_STEP, len - off);
            map_range(p + off, c, page);
            done += (int64_t)c;
        }
    }
    return done;
}

void lr_rpca_work_stop(lr_rpca_work *w)
{
    if (w) atomic_store_explicit(&w->stop, 1, memory_order_relaxed);
}

void lr_rpca_work_destroy(lr_ctx *ctx, lr_rpca_work *w)
{
    if (!w) return;
    lr_mat_free(ctx, &w->Y);
    lr_mat_free(ctx, &w->T);
    lr__free(ctx, w);
}
