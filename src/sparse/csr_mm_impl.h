/* csr_mm_impl.h -- the sparse-times-dense row kernel, written once and
 * included by csr_mm.c for float and double (CM_T, CM_VL, CM_NAME).
 * Rows [r0, r1) of Y = A Xr (row i stored at Y + i - y0), Xr row-major with
 * stride bs (zero padded: bs
 * is a multiple of 32 bytes' worth of elements, of 64 bytes' when wide).
 * Every output is a vector lane whose accumulator stays in a register over
 * the row's entries, so each output is the sum over the row's entries in
 * storage order: the same bits for any thread count (and for any blocking
 * of the columns).  The rows of Xr an entry will need CM_PD entries ahead
 * are prefetched (the gathers are random reads of a matrix larger than the
 * caches; without it they run one miss at a time).
 * Narrow X (bs <= 2 CM_VL): all of a row's outputs in one pass over its
 * entries (up to two 64-byte vectors and one 32-byte vector), stored
 * straight into the column-major Y.  Wide X: blocks of up to four 64-byte
 * vectors (32 doubles / 64 floats) per pass over the row's entries, into a
 * row-major block acc (L2) that is then stored column by column. */
typedef CM_T CM_NAME(V) __attribute__((vector_size(64), aligned(sizeof(CM_T))));
typedef CM_T CM_NAME(H) __attribute__((vector_size(32), aligned(sizeof(CM_T))));

/* Entries ahead to prefetch: about 200 cycles of work ahead (a miss to
 * memory), fewer entries when each one is a wide pass. */
#ifndef CM_PD_NARROW
#define CM_PD_NARROW 32
#define CM_PD_WIDE 16
#endif

/* One pass over entries [p0, p1) for NV 64-byte vectors (and NH 32-byte
 * ones after them) of output columns j0 ...; sums stored to out[0 ..]. */
#define CM_PASS(NAME, NV, NH, CM_PD)                                                       \
    static inline __attribute__((always_inline)) void CM_NAME(NAME)(                      \
        const int64_t *ix, const CM_T *v, int64_t p0, int64_t p1, int64_t pend,           \
        const CM_T *Xr, int64_t bs, int64_t j0, CM_T *out)                                \
    {                                                                                      \
        CM_NAME(V) a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};                                 \
        CM_NAME(H) h0 = {0};                                                               \
        for (int64_t p = p0; p < p1; p++) {                                                \
            if (p + CM_PD < pend) {                                                        \
                const char *q = (const char *)(Xr + ix[p + CM_PD] * bs + j0);              \
                for (int u = 0; u < (NV) + (NH); u++) __builtin_prefetch(q + 64 * u);      \
            }                                                                              \
            const CM_T s = v[p];                                                           \
            const CM_T *x = Xr + ix[p] * bs + j0;                                          \
            if ((NV) > 0) a0 += s * *(const CM_NAME(V) *)x;                                \
            if ((NV) > 1) a1 += s * *(const CM_NAME(V) *)(x + CM_VL);                      \
            if ((NV) > 2) a2 += s * *(const CM_NAME(V) *)(x + 2 * CM_VL);                  \
            if ((NV) > 3) a3 += s * *(const CM_NAME(V) *)(x + 3 * CM_VL);                  \
            if ((NH) > 0) h0 += s * *(const CM_NAME(H) *)(x + (NV) * CM_VL);               \
        }                                                                                  \
        if ((NV) > 0) *(CM_NAME(V) *)out = a0;                                             \
        if ((NV) > 1) *(CM_NAME(V) *)(out + CM_VL) = a1;                                   \
        if ((NV) > 2) *(CM_NAME(V) *)(out + 2 * CM_VL) = a2;                               \
        if ((NV) > 3) *(CM_NAME(V) *)(out + 3 * CM_VL) = a3;                               \
        if ((NH) > 0) *(CM_NAME(H) *)(out + (NV) * CM_VL) = h0;                            \
    }
CM_PASS(p01, 0, 1, CM_PD_NARROW)
CM_PASS(p10, 1, 0, CM_PD_NARROW)
CM_PASS(p11, 1, 1, CM_PD_NARROW)
CM_PASS(p20, 2, 0, CM_PD_NARROW)
CM_PASS(p30, 3, 0, CM_PD_WIDE)
CM_PASS(p40, 4, 0, CM_PD_WIDE)
#undef CM_PASS

static inline __attribute__((always_inline)) void CM_NAME(rows)(
    const lr_csr *a, int64_t r0, int64_t r1, const CM_T *Xr, int64_t b, int64_t bs, CM_T *Y,
    int64_t ldy, int64_t y0, CM_T *restrict accw)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    const int64_t pend = ip[a->rows];
    if (bs > 2 * CM_VL) {
        /* accw: (r1 - r0) x bs row-major, then stored column by column so
         * Y is written in runs of rows (not one cache line per element). */
        for (int64_t i = r0; i < r1; i++) {
            CM_T *acc = accw + (i - r0) * bs;
            const int64_t p0 = ip[i], p1 = ip[i + 1];
            int64_t j0 = 0;
            for (; j0 + 4 * CM_VL <= bs; j0 += 4 * CM_VL)
                CM_NAME(p40)(ix, v, p0, p1, pend, Xr, bs, j0, acc + j0);
            switch ((bs - j0) / CM_VL) {
            case 3: CM_NAME(p30)(ix, v, p0, p1, pend, Xr, bs, j0, acc + j0); break;
            case 2: CM_NAME(p20)(ix, v, p0, p1, pend, Xr, bs, j0, acc + j0); break;
            case 1: CM_NAME(p10)(ix, v, p0, p1, pend, Xr, bs, j0, acc + j0); break;
            default: break;
            }
        }
        for (int64_t j = 0; j < b; j++)
            for (int64_t i = r0; i < r1; i++) Y[(i - y0) + j * ldy] = accw[(i - r0) * bs + j];
        return;
    }
    /* Narrow: bs is b rounded up to 32 bytes' worth of elements. */
    CM_T out[2 * CM_VL] __attribute__((aligned(64)));
    for (int64_t i = r0; i < r1; i++) {
        const int64_t p0 = ip[i], p1 = ip[i + 1];
        switch (bs / (CM_VL / 2)) {
        case 1: CM_NAME(p01)(ix, v, p0, p1, pend, Xr, bs, 0, out); break;
        case 2: CM_NAME(p10)(ix, v, p0, p1, pend, Xr, bs, 0, out); break;
        case 3: CM_NAME(p11)(ix, v, p0, p1, pend, Xr, bs, 0, out); break;
        default: CM_NAME(p20)(ix, v, p0, p1, pend, Xr, bs, 0, out); break;
        }
        for (int64_t j = 0; j < b; j++) Y[(i - y0) + j * ldy] = out[j];
    }
}

/* Scatter form of A^T X for a wide X (column-major, ld ldx, b columns):
 * for every row i of A in order and each of its entries (c, s), acc row c
 * += s * (row i of X), for the 64-byte vectors [v0, v1) of the row only
 * (acc: cols(A) x bs row-major, zeroed by the caller).  X is read once, in
 * order, 8 rows at a time through xb (8 x bs, a cache line of each column
 * per read); each output is the sum over A's rows in order, i.e. over the
 * transpose's row in storage order (the gather kernel's order on the
 * transpose), the same bits for any split of the vectors. */
static inline __attribute__((always_inline)) void CM_NAME(scatter)(
    const lr_csr *a, const CM_T *X, int64_t ldx, int64_t b, int64_t bs, int64_t v0,
    int64_t v1, CM_T *acc, CM_T *restrict xb)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    const int64_t m = a->rows, pend = ip[m], j0 = v0 * CM_VL, j1 = v1 * CM_VL;
    for (int64_t r = 0; r < 8; r++)
        for (int64_t j = j0; j < j1; j++) xb[r * bs + j] = 0;
    for (int64_t i0 = 0; i0 < m; i0 += 8) {
        const int64_t ie = i0 + 8 < m ? i0 + 8 : m;
        for (int64_t j = j0; j < j1 && j < b; j++)
            for (int64_t i = i0; i < ie; i++) xb[(i - i0) * bs + j] = X[i + j * ldx];
        for (int64_t i = i0; i < ie; i++) {
            const CM_T *x = xb + (i - i0) * bs;
            for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
                if (p + CM_PD_WIDE < pend) {
                    const char *q = (const char *)(acc + ix[p + CM_PD_WIDE] * bs + j0);
                    for (int64_t u = v0; u < v1; u++) __builtin_prefetch(q + 64 * (u - v0), 1);
                }
                const CM_T s = v[p];
                CM_T *row = acc + ix[p] * bs;
                for (int64_t u = v0; u < v1; u++)
                    *(CM_NAME(V) *)(row + u * CM_VL) += s * *(const CM_NAME(V) *)(x + u * CM_VL);
            }
        }
    }
}
