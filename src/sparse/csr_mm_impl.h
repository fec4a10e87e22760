/* csr_mm_impl.h -- the sparse-times-dense row kernel, written once and
 * included by csr_mm.c for float and double (CM_T, CM_VL, CM_NAME).
 * Rows [r0, r1) of Y = A Xr.  Narrow X (b <= 2 CM_VL): the b outputs of a
 * row are made in 64-byte then 32-byte vectors (Xr zero padded to a
 * multiple of 32 bytes per row), each vector of accumulators in registers
 * over the row's entries (re-read from cache per vector).  Wide X: one pass over the row's entries,
 * each adding s * (a contiguous row of Xr) into acc (b elements, in L1), so
 * every row of Xr is read once, front to back.  Either way each output is
 * the sum over the row's entries in storage order: the same bits for any
 * thread count. */
/* Outputs j0 .. j0+lanes-1 of row i for a 64-byte (V) or 32-byte (H)
 * vector of accumulators (only the first `keep` stored); Xr rows have stride
 * bs >= j0 + lanes (zero padded).  Explicit vectors: one broadcast
 * multiply-add per stored entry, the sum over entries in storage order. */
typedef CM_T CM_NAME(V) __attribute__((vector_size(64), aligned(sizeof(CM_T))));
typedef CM_T CM_NAME(H) __attribute__((vector_size(32), aligned(sizeof(CM_T))));
#define CM_GROUP(VT, LANES)                                                          \
    static inline __attribute__((always_inline)) void CM_NAME(group_##VT)(          \
        const int64_t *ix, const CM_T *v, int64_t p0, int64_t p1, const CM_T *Xr,   \
        int64_t bs, int64_t j0, int64_t keep, CM_T *Yi, int64_t ldy)                \
    {                                                                                \
        CM_NAME(VT) acc = {0};                                                       \
        for (int64_t p = p0; p < p1; p++)                                            \
            acc += v[p] * *(const CM_NAME(VT) *)(Xr + ix[p] * bs + j0);             \
        for (int l = 0; l < (LANES) && l < keep; l++) Yi[(j0 + l) * ldy] = acc[l];  \
    }
CM_GROUP(V, 64 / (int)sizeof(CM_T))
CM_GROUP(H, 32 / (int)sizeof(CM_T))
#undef CM_GROUP

static inline __attribute__((always_inline)) void CM_NAME(rows)(
    const lr_csr *a, int64_t r0, int64_t r1, const CM_T *Xr, int64_t b, int64_t bs, CM_T *Y,
    int64_t ldy, CM_T *restrict accw)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    if (b > 2 * CM_VL) {
        /* accw: (r1 - r0) x b row-major, then stored column by column so
         * Y is written in runs of rows (not one cache line per element). */
        for (int64_t i = r0; i < r1; i++) {
            CM_T *restrict acc = accw + (i - r0) * b;
            for (int64_t j = 0; j < b; j++) acc[j] = 0;
            for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
                const CM_T s = v[p];
                const CM_T *restrict x = Xr + ix[p] * bs;
                for (int64_t j = 0; j < b; j++) acc[j] += s * x[j];
            }
        }
        for (int64_t j = 0; j < b; j++)
            for (int64_t i = r0; i < r1; i++) Y[i + j * ldy] = accw[(i - r0) * b + j];
        return;
    }
    /* Narrow: bs is b rounded up to 32 bytes' worth of elements. */
    for (int64_t i = r0; i < r1; i++) {
        const int64_t p0 = ip[i], p1 = ip[i + 1];
        int64_t j0 = 0;
        for (; j0 + CM_VL <= bs; j0 += CM_VL)
            CM_NAME(group_V)(ix, v, p0, p1, Xr, bs, j0, b - j0, Y + i, ldy);
        for (; j0 < b; j0 += CM_VL / 2)
            CM_NAME(group_H)(ix, v, p0, p1, Xr, bs, j0, b - j0, Y + i, ldy);
    }
}
