/* csr_mm_impl.h -- the sparse-times-dense row kernel, written once and
 * included by csr_mm.c for float and double (CM_T, CM_VL, CM_NAME).
 * Rows [r0, r1) of Y = A Xr.  Narrow X (b <= 2 CM_VL): the b outputs of a
 * row are made in groups of CM_VL (one 64-byte vector), then of 4, then one
 * by one, each group's accumulators in registers over the row's entries
 * (re-read from cache per group).  Wide X: one pass over the row's entries,
 * each adding s * (a contiguous row of Xr) into acc (b elements, in L1), so
 * every row of Xr is read once, front to back.  Either way each output is
 * the sum over the row's entries in storage order: the same bits for any
 * thread count. */
static inline __attribute__((always_inline)) void CM_NAME(rows)(
    const lr_csr *a, int64_t r0, int64_t r1, const CM_T *Xr, int64_t b, CM_T *Y, int64_t ldy,
    CM_T *restrict accw)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    if (b > 2 * CM_VL) {
        for (int64_t i = r0; i < r1; i++) {
            for (int64_t j = 0; j < b; j++) accw[j] = 0;
            for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
                const CM_T s = v[p];
                const CM_T *restrict x = Xr + ix[p] * b;
                for (int64_t j = 0; j < b; j++) accw[j] += s * x[j];
            }
            for (int64_t j = 0; j < b; j++) Y[i + j * ldy] = accw[j];
        }
        return;
    }
    for (int64_t i = r0; i < r1; i++) {
        const int64_t p0 = ip[i], p1 = ip[i + 1];
        int64_t j0 = 0;
        for (; j0 + CM_VL <= b; j0 += CM_VL) {
            CM_T acc[CM_VL];
            for (int l = 0; l < CM_VL; l++) acc[l] = 0;
            for (int64_t p = p0; p < p1; p++) {
                const CM_T s = v[p];
                const CM_T *restrict x = Xr + ix[p] * b + j0;
                for (int l = 0; l < CM_VL; l++) acc[l] += s * x[l];
            }
            for (int l = 0; l < CM_VL; l++) Y[i + (j0 + l) * ldy] = acc[l];
        }
        for (; j0 + 4 <= b; j0 += 4) {
            CM_T acc[4] = {0, 0, 0, 0};
            for (int64_t p = p0; p < p1; p++) {
                const CM_T s = v[p];
                const CM_T *restrict x = Xr + ix[p] * b + j0;
                for (int l = 0; l < 4; l++) acc[l] += s * x[l];
            }
            for (int l = 0; l < 4; l++) Y[i + (j0 + l) * ldy] = acc[l];
        }
        for (; j0 < b; j0++) {
            CM_T acc = 0;
            for (int64_t p = p0; p < p1; p++) acc += v[p] * Xr[ix[p] * b + j0];
            Y[i + j0 * ldy] = acc;
        }
    }
}
