/* rpca_kern_impl.h -- the elementwise kernels of src/rpca, written once.
 * Included by rpca_kern.c with
 *   R      the element type (float or double)
 *   RT     its lr_dtype (LR_F32 or LR_F64)
 *   FN(x)  the name with the type suffix (x##_f32 or x##_f64)
 * Every reduction keeps one partial per tile (or column) and the caller
 * adds them in index order: the same bits for any thread count. */

/* L tile (mr x nc, ld mr) at rows i0.., columns j0.. of the current low-rank
 * iterate; zeros if r = 0.  RPCA_L_TVW first writes rows i0.. of U = T V
 * (nc = n: the whole row panel). */
static void FN(ltile)(const rpca_pass *p, int64_t i0, int64_t j0, int64_t mr,
                      int64_t nc, R *Lb)
{
    if (p->r == 0) {
        memset(Lb, 0, sizeof(R) * (size_t)(mr * nc));
        return;
    }
    R *Up = (R *)p->U + i0;
    if (p->lmode == RPCA_L_TVW)
        k_gemm(RT, 'N', 'N', mr, p->r, p->n, 1.0, (const R *)p->T + i0, p->m, p->V, p->n,
               0.0, Up, p->ldu);
    k_gemm(RT, 'N', 'N', mr, nc, p->r, 1.0, Up, p->ldu, (const R *)p->W + j0 * p->r, p->r,
           0.0, Lb, mr);
}

/* The elementwise body of the fused pass on one tile (mr x nc), compiled
 * per CPU (RPCA_CLONES); returns ||Z||^2 of the tile, *cnt = nnz(S). */
static RPCA_CLONES double FN(upd)(const R *M, int64_t ldm, const R *Lb, R *Y, R *T, int64_t ldy,
                                  int64_t mr, int64_t nc, R mu, R imu, R imu2, R lam, R thr,
                                  int64_t *cnt)
{
    double acc = 0;
    int64_t c = 0;
    for (int64_t j = 0; j < nc; j++) {
        const R *Mc = M + j * ldm, *Lc = Lb + j * mr;
        R *Yc = Y + j * ldy, *Tc = T + j * ldy;
        double accj = 0;
        int64_t cj = 0;
#pragma omp simd reduction(+ : accj, cj)
        for (int64_t i = 0; i < mr; i++) {
            R mv = Mc[i], ml = mv - Lc[i];
            R x = ml + Yc[i] * imu;
            R s = x > thr ? x - thr : (x < -thr ? x + thr : (R)0);
            R y = x > thr ? lam : (x < -thr ? -lam : mu * x);
            R z = ml - s;
            accj += (double)z * (double)z;
            cj += s != 0;
            Yc[i] = y;
            Tc[i] = (mv - s) + y * imu2;
        }
        acc += accj;
        c += cj;
    }
    *cnt = c;
    return acc;
}

double FN(rpca__pass)(rpca_pass *p, int64_t *nnz)
{
    const int64_t m = p->m, n = p->n, tr = p->tile_r;
    const int64_t tc = p->tile_c;
    const int64_t ntr = (m + tr - 1) / tr, ntc = (n + tc - 1) / tc;
    const int64_t nt = ntr * ntc;
    const R mu = (R)p->mu, imu = (R)(1.0 / p->mu), imu2 = (R)(1.0 / p->mu_next);
    const R lam = (R)p->lam, thr = (R)(p->lam / p->mu);
    const int blas = rpca__blas_single();
#pragma omp parallel for schedule(static) num_threads(p->nthreads)
    for (int64_t t = 0; t < nt; t++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        int64_t bi = t % ntr, bj = t / ntr;
        int64_t i0 = bi * tr, j0 = bj * tc;
        int64_t mr = LR_MIN(tr, m - i0), nc = LR_MIN(tc, n - j0);
        R *Lb = (R *)p->scratch + (size_t)tid * (size_t)p->scratch_per_thread;
        FN(ltile)(p, i0, j0, mr, nc, Lb);
        int64_t off = i0 + j0 * m;
        p->part[t] = FN(upd)((const R *)p->M + i0 + j0 * p->ldm, p->ldm, Lb, (R *)p->Y + off,
                             (R *)p->T + off, m, mr, nc, mu, imu, imu2, lam, thr, &p->cnt[t]);
    }
    rpca__blas_restore(blas);
    double sum = 0;
    int64_t c = 0;
    for (int64_t t = 0; t < nt; t++) sum += p->part[t], c += p->cnt[t];
    *nnz = c;
    return sum;
}

void FN(rpca__final)(rpca_pass *p, int keep_l, int64_t *nnz)
{
    const int64_t m = p->m, n = p->n, tr = p->tile_r;
    const int64_t tc = p->tile_c;
    const int64_t ntr = (m + tr - 1) / tr, ntc = (n + tc - 1) / tc;
    const int64_t nt = ntr * ntc;
    const R imu2 = (R)(1.0 / p->mu_next), lam = (R)p->lam;
    const int blas = rpca__blas_single();
#pragma omp parallel for schedule(static) num_threads(p->nthreads)
    for (int64_t t = 0; t < nt; t++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        int64_t bi = t % ntr, bj = t / ntr;
        int64_t i0 = bi * tr, j0 = bj * tc;
        int64_t mr = LR_MIN(tr, m - i0), nc = LR_MIN(tc, n - j0);
        R *Lb = (R *)p->scratch + (size_t)tid * (size_t)p->scratch_per_thread;
        if (keep_l) FN(ltile)(p, i0, j0, mr, nc, Lb);
        int64_t cnt = 0;
        for (int64_t j = 0; j < nc; j++) {
            const R *Mc = (const R *)p->M + i0 + (j0 + j) * p->ldm;
            R *Yc = (R *)p->Y + i0 + (j0 + j) * m;
            R *Tc = (R *)p->T + i0 + (j0 + j) * m;
            int64_t cj = 0;
            /* S != 0 exactly where the dual saturated (|Y| = lam). */
#pragma omp simd reduction(+ : cj)
            for (int64_t i = 0; i < mr; i++) {
                R y = Yc[i];
                R s = (y >= lam || y <= -lam) ? (Mc[i] - Tc[i]) + y * imu2 : (R)0;
                Tc[i] = s;
                cj += s != 0;
            }
            if (keep_l) memcpy(Yc, Lb + j * mr, sizeof(R) * (size_t)mr);
            cnt += cj;
        }
        p->cnt[t] = cnt;
    }
    rpca__blas_restore(blas);
    int64_t c = 0;
    for (int64_t t = 0; t < nt; t++) c += p->cnt[t];
    *nnz = c;
}

void FN(rpca__gram)(const void *T, int64_t m, int64_t n, int64_t ldt, int64_t tile_r,
                    int ngroups, int nth, double *parts, double *conv, double *G)
{
    const int64_t np = (m + tile_r - 1) / tile_r;
    const int blas = rpca__blas_single();
    /* Groups handed out one at a time (see rpca__gram in rpca_internal.h). */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int g = 0; g < ngroups; g++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *Gp = parts + (size_t)g * (size_t)(n * n);
        memset(Gp, 0, sizeof(double) * (size_t)(n * n));
        for (int64_t pn = g; pn < np; pn += ngroups) {
            int64_t i0 = pn * tile_r, mr = LR_MIN(tile_r, m - i0);
            const double *D;
            int64_t ld;
            if (RT == LR_F64) {
                D = (const double *)T + i0, ld = ldt;
            } else {
                double *c = conv + (size_t)tid * (size_t)(tile_r * n);
                for (int64_t j = 0; j < n; j++) {
                    const R *src = (const R *)T + i0 + j * ldt;
                    for (int64_t i = 0; i < mr; i++) c[i + j * mr] = (double)src[i];
                }
                D = c, ld = mr;
            }
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n, (int)mr, 1.0, D,
                        (int)ld, 1.0, Gp, (int)n);
        }
    }
    rpca__blas_restore(blas);
    /* Column by column in parallel; each entry sums the groups in order. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nth)
    for (int64_t j = 0; j < n; j++) {
        double *gc = G + j * n;
        memcpy(gc, parts + j * n, sizeof(double) * (size_t)(j + 1));
        for (int g = 1; g < ngroups; g++) {
            const double *pc = parts + (size_t)g * (size_t)(n * n) + j * n;
            for (int64_t i = 0; i <= j; i++) gc[i] += pc[i];
        }
    }
}

void FN(rpca__init)(const rpca_pass *p, double a, double b)
{
    const R ra = (R)a, rb = (R)b;
    const int64_t m = p->m;
#pragma omp parallel for schedule(static) num_threads(p->nthreads)
    for (int64_t j = 0; j < p->n; j++) {
        const R *Mc = (const R *)p->M + j * p->ldm;
        R *Yc = (R *)p->Y + j * m, *Tc = (R *)p->T + j * m;
        for (int64_t i = 0; i < m; i++) {
            Yc[i] = ra * Mc[i];
            Tc[i] = rb * Mc[i];
        }
    }
}

void FN(rpca__scan)(const void *M, int64_t m, int64_t n, int64_t ld, int nth,
                    double *colsum, double *frob2, double *maxabs)
{
    double mx = 0;
#pragma omp parallel for schedule(static) num_threads(nth) reduction(max : mx)
    for (int64_t j = 0; j < n; j++) {
        const R *c = (const R *)M + j * ld;
        double acc = 0;
        R cm = 0;
#pragma omp simd reduction(+ : acc) reduction(max : cm)
        for (int64_t i = 0; i < m; i++) {
            R a = c[i] < 0 ? -c[i] : c[i];
            acc += (double)c[i] * (double)c[i];
            cm = a > cm ? a : cm;
        }
        colsum[j] = acc;
        mx = (double)cm > mx ? (double)cm : mx;
    }
    double s = 0;
    for (int64_t j = 0; j < n; j++) s += colsum[j];
    *frob2 = s;
    *maxabs = mx; /* max is order-independent */
}

int64_t FN(rpca__threshold)(const lr_mat *Rm, double thr, uint8_t *mask, int nth, int *bad)
{
    const int64_t m = Rm->rows, n = Rm->cols;
    const R t = (R)thr;
    int64_t total = 0;
    int nonfinite = 0;
#pragma omp parallel for schedule(static) num_threads(nth) reduction(+ : total) \
    reduction(| : nonfinite)
    for (int64_t j = 0; j < n; j++) {
        const R *c = (const R *)Rm->data + j * Rm->ld;
        uint8_t *o = mask + j * m;
        int64_t cj = 0;
        R z = 0; /* NaN/Inf survive * 0 */
#pragma omp simd reduction(+ : cj, z)
        for (int64_t i = 0; i < m; i++) {
            R a = c[i] < 0 ? -c[i] : c[i];
            uint8_t v = a > t ? 255 : 0;
            o[i] = v;
            cj += v != 0;
            z += c[i] * (R)0;
        }
        total += cj;
        nonfinite |= z != 0;
    }
    *bad = nonfinite;
    return total;
}
