/* csr_mm_impl.h -- the sparse-times-dense row kernel, written once and
 * included by csr_mm.c for float and double (CM_T, CM_NAME).
 * Rows [r0, r1) of Y = A Xr: for each row, the b outputs are accumulated in
 * acc (b elements) over the row's entries in storage order, each entry
 * multiplying one contiguous row of Xr (vectorizes over b). */
static void CM_NAME(rows)(const lr_csr *a, int64_t r0, int64_t r1, const CM_T *Xr,
                          int64_t b, CM_T *Y, int64_t ldy, CM_T *acc)
{
    const int64_t *ip = a->indptr, *ix = a->indices;
    const CM_T *v = (const CM_T *)a->values;
    for (int64_t i = r0; i < r1; i++) {
        for (int64_t j = 0; j < b; j++) acc[j] = 0;
        for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
            const CM_T s = v[p];
            const CM_T *restrict x = Xr + ix[p] * b;
            for (int64_t j = 0; j < b; j++) acc[j] += s * x[j];
        }
        for (int64_t j = 0; j < b; j++) Y[i + j * ldy] = acc[j];
    }
}
