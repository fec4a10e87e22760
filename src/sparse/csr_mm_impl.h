/* csr_mm_impl.h -- the sparse-times-dense row kernel, written once and
 * included by csr_mm.c for float and double (CM_T, CM_VL, CM_NAME).
 * Rows [r0, r1) of Y = A Xr.  Narrow X (b <= 2 CM_VL): the b outputs of a
 * row are made in groups of CM_VL (one 64-byte vector), then 8, then 4 (Xr
 * is zero padded to a multiple of 4 columns), each group's accumulators in
 * registers over the row's entries (re-read from cache per group).  Wide X: one pass over the row's entries,
 * each adding s * (a contiguous row of Xr) into acc (b elements, in L1), so
 * every row of Xr is read once, front to back.  Either way each output is
 * the sum over the row's entries in storage order: the same bits for any
 * thread count. */
/* Outputs j0 .. j0+G-1 of row i (only the first `keep` stored); Xr rows
 * have stride bs >= j0 + G (zero padded). */
static inline __attribute__((always_inline)) void CM_NAME(group)(
    const int64_t *ix, const CM_T *v, int64_t p0, int64_t p1, const CM_T *Xr, int64_t bs,
    int64_t j0, const int G, int64_t keep, CM_T *Yi, int64_t ldy)
{
    CM_T acc[CM_VL];
    for (int l = 0; l < G; l++) acc[l] = 0;
    for (int64_t p = p0; p < p1; p++) {
        const CM_T s = v[p];
        const CM_T *restrict x = Xr + ix[p] * bs + j0;
        for (int l = 0; l < G; l++) acc[l] += s * x[l];
    }
    for (int l = 0; l < G && l < keep; l++) Yi[(j0 + l) * ldy] = acc[l];
}

static inline __attribute__((always_inline)) void CM_NAME(rows)(
    const lr_csr *a, int64_t r0, int64_t r1, const CM_T *Xr, int64_t b, int64_t bs, CM_T *Y,
    int64_t ldy, CM_T *restrict accw)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    if (b > 2 * CM_VL) {
        for (int64_t i = r0; i < r1; i++) {
            for (int64_t j = 0; j < b; j++) accw[j] = 0;
            for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
                const CM_T s = v[p];
                const CM_T *restrict x = Xr + ix[p] * bs;
                for (int64_t j = 0; j < b; j++) accw[j] += s * x[j];
            }
            for (int64_t j = 0; j < b; j++) Y[i + j * ldy] = accw[j];
        }
        return;
    }
    /* Narrow: bs is b rounded up to a multiple of 4. */
    for (int64_t i = r0; i < r1; i++) {
        const int64_t p0 = ip[i], p1 = ip[i + 1];
        int64_t j0 = 0;
        for (; j0 + CM_VL <= bs; j0 += CM_VL)
            CM_NAME(group)(ix, v, p0, p1, Xr, bs, j0, CM_VL, b - j0, Y + i, ldy);
        if (CM_VL > 8 && j0 + 8 <= bs) {
            CM_NAME(group)(ix, v, p0, p1, Xr, bs, j0, 8, b - j0, Y + i, ldy);
            j0 += 8;
        }
        for (; j0 < b; j0 += 4) CM_NAME(group)(ix, v, p0, p1, Xr, bs, j0, 4, b - j0, Y + i, ldy);
    }
}
