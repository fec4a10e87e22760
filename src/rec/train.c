/* train.c -- fitting models: explicit ALS-WR with biases (Cholesky per row),
 * implicit confidence-weighted ALS (conjugate gradient per row, warm
 * started), explicit SGD; the objective of each. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "kernel.h"
#include "rec_internal.h"

void lr_rec_opts_default(lr_rec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = LR_REC_EXPLICIT;
    o->solver = LR_REC_ALS;
    o->k = 32;
    o->lambda = 0.05;
    o->lambda_bias = -1;
    o->alpha = 10.0;
    o->iters = 15;
    o->cg_steps = 3;
    o->sgd_rate = 0.01;
    o->biases = 1;
    o->seed = 0;
}

/* Rows handed to a thread at a time.  Rows are solved independently, so the
 * result does not depend on which thread solves which row. */
#define ROW_CHUNK 64

/* ---- explicit ------------------------------------------------------------ */
static double explicit_objective(lr_ctx *ctx, const lr_rec *m, const lr_ratings *r,
                                 double *part)
{
    int k = m->k;
    double lam = m->opts.lambda, lb = m->opts.lambda_bias / m->opts.lambda;
    int64_t nu = m->nu, ni = m->ni;
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx))
    for (int64_t u = 0; u < nu; u++) {
        const float *p = m->P + (size_t)u * k;
        double s = 0, nrm = lb * m->bu[u] * m->bu[u];
        for (int64_t e = r->uptr[u]; e < r->uptr[u + 1]; e++) {
            int32_t i = r->uidx[e];
            const float *q = m->Q + (size_t)i * k;
            double pred = m->mean + m->bu[u] + m->bi[i];
            for (int t = 0; t < k; t++) pred += (double)p[t] * q[t];
            double d = r->uval[e] - pred;
            s += d * d;
        }
        for (int t = 0; t < k; t++) nrm += (double)p[t] * p[t];
        part[u] = s + lam * (double)(r->uptr[u + 1] - r->uptr[u]) * nrm;
    }
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx))
    for (int64_t i = 0; i < ni; i++) {
        const float *q = m->Q + (size_t)i * k;
        double nrm = lb * m->bi[i] * m->bi[i];
        for (int t = 0; t < k; t++) nrm += (double)q[t] * q[t];
        part[nu + i] = lam * (double)(r->iptr[i + 1] - r->iptr[i]) * nrm;
    }
    double tot = 0;
    for (int64_t j = 0; j < nu + ni; j++) tot += part[j];
    return tot;
}

/* After an item half-step that left each item's data fit plus penalty in
 * part[0..ni-1]: the objective, adding the users' penalties (row order). */
static double user_penalty(lr_ctx *ctx, const lr_rec *m, const lr_ratings *r, double *part)
{
    int k = m->k;
    double lam = m->opts.lambda, lb = m->opts.lambda_bias / m->opts.lambda;
    int64_t nu = m->nu, ni = m->ni;
#pragma omp parallel for schedule(static, 1024) num_threads(lr__threads(ctx))
    for (int64_t u = 0; u < nu; u++) {
        const float *p = m->P + (size_t)u * k;
        double nrm = lb * m->bu[u] * m->bu[u];
        for (int t = 0; t < k; t++) nrm += (double)p[t] * p[t];
        part[ni + u] = lam * (double)(r->uptr[u + 1] - r->uptr[u]) * nrm;
    }
    double tot = 0;
    for (int64_t j = 0; j < nu + ni; j++) tot += part[j];
    return tot;
}

/* One half-step: every row of X from the other side Y (view v). */
static int explicit_half(lr_ctx *ctx, const lr_rec *m, const int64_t *ptr, const int32_t *idx,
                         const float *val, int64_t rows, const float *Y, const float *ybias,
                         float *X, float *xbias, double *work, size_t wstride, double *fit)
{
    int k = m->k, bad = 0;
    int with_bias = m->opts.biases;
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx)) reduction(| : bad)
    for (int64_t j = 0; j < rows; j++) {
        double *w = work + wstride * (size_t)omp_get_thread_num();
        float b = 0;
        if (rec_solve_explicit(k, with_bias, m->opts.lambda, m->opts.lambda_bias, m->mean, ptr[j + 1] - ptr[j],
                               idx + ptr[j], val + ptr[j], Y, ybias, w, X + (size_t)j * k, &b,
                               fit ? fit + j : NULL))
            bad = 1;
        xbias[j] = with_bias ? b : 0.0f;
    }
    return bad;
}

/* ---- implicit ------------------------------------------------------------ */
static double implicit_objective(lr_ctx *ctx, const lr_rec *m, const lr_ratings *r,
                                 const double *YtY, double *part)
{
    int k = m->k;
    double lam = m->opts.lambda, alpha = m->opts.alpha;
    int64_t nu = m->nu, ni = m->ni;
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx))
    for (int64_t u = 0; u < nu; u++) {
        const float *x = m->P + (size_t)u * k;
        double s = 0, nrm = 0;
        for (int a = 0; a < k; a++) {
            double t = 0;
            for (int b = 0; b < k; b++) t += YtY[(size_t)a * k + b] * x[b];
            s += t * x[a];
            nrm += (double)x[a] * x[a];
        }
        for (int64_t e = r->uptr[u]; e < r->uptr[u + 1]; e++) {
            const float *y = m->Q + (size_t)r->uidx[e] * k;
            double d = 0;
            for (int t = 0; t < k; t++) d += (double)x[t] * y[t];
            double c = 1.0 + alpha * r->uval[e];
            s += c * (1.0 - d) * (1.0 - d) - d * d;
        }
        part[u] = s + lam * nrm;
    }
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx))
    for (int64_t i = 0; i < ni; i++) {
        const float *y = m->Q + (size_t)i * k;
        double nrm = 0;
        for (int t = 0; t < k; t++) nrm += (double)y[t] * y[t];
        part[nu + i] = lam * nrm;
    }
    double tot = 0;
    for (int64_t j = 0; j < nu + ni; j++) tot += part[j];
    return tot;
}

/* A v = YtY v + sum_e (c_e - 1)(y_e.v) y_e + lambda v */
static void implicit_apply(int k, const double *YtY, double lambda, double alpha, int64_t n,
                           const int32_t *idx, const float *val, const float *Y,
                           const double *v, double *out)
{
    for (int a = 0; a < k; a++) {
        double t = lambda * v[a];
        for (int b = 0; b < k; b++) t += YtY[(size_t)a * k + b] * v[b];
        out[a] = t;
    }
    for (int64_t e = 0; e < n; e++) {
        const float *y = Y + (size_t)idx[e] * k;
        double d = 0;
        for (int t = 0; t < k; t++) d += (double)y[t] * v[t];
        d *= alpha * (double)val[e];
        for (int t = 0; t < k; t++) out[t] += d * y[t];
    }
}

static void implicit_half(lr_ctx *ctx, const lr_rec *m, const int64_t *ptr, const int32_t *idx,
                          const float *val, int64_t rows, const float *Y, const double *YtY,
                          float *X, double *work, size_t wstride)
{
    int k = m->k, steps = m->opts.cg_steps;
    double lam = m->opts.lambda, alpha = m->opts.alpha;
#pragma omp parallel for schedule(dynamic, ROW_CHUNK) num_threads(lr__threads(ctx))
    for (int64_t j = 0; j < rows; j++) {
        double *x = work + wstride * (size_t)omp_get_thread_num();
        double *res = x + k, *p = res + k, *Ap = p + k;
        float *xf = X + (size_t)j * k;
        int64_t n = ptr[j + 1] - ptr[j];
        const int32_t *ix = idx + ptr[j];
        const float *vl = val + ptr[j];
        if (n == 0) {
            for (int t = 0; t < k; t++) xf[t] = 0;
            continue;
        }
        for (int t = 0; t < k; t++) x[t] = xf[t];
        /* res = b - A x with b = sum c y */
        implicit_apply(k, YtY, lam, alpha, n, ix, vl, Y, x, Ap);
        for (int t = 0; t < k; t++) res[t] = -Ap[t];
        for (int64_t e = 0; e < n; e++) {
            const float *y = Y + (size_t)ix[e] * k;
            double c = 1.0 + alpha * (double)vl[e];
            for (int t = 0; t < k; t++) res[t] += c * y[t];
        }
        double rs = 0;
        for (int t = 0; t < k; t++) {
            p[t] = res[t];
            rs += res[t] * res[t];
        }
        for (int s = 0; s < steps && rs > 1e-30; s++) {
            implicit_apply(k, YtY, lam, alpha, n, ix, vl, Y, p, Ap);
            double pAp = 0;
            for (int t = 0; t < k; t++) pAp += p[t] * Ap[t];
            if (!(pAp > 0)) break;
            double a = rs / pAp, rs2 = 0;
            for (int t = 0; t < k; t++) {
                x[t] += a * p[t];
                res[t] -= a * Ap[t];
                rs2 += res[t] * res[t];
            }
            double beta = rs2 / rs;
            for (int t = 0; t < k; t++) p[t] = res[t] + beta * p[t];
            rs = rs2;
        }
        for (int t = 0; t < k; t++) xf[t] = (float)x[t];
    }
}

/* ---- SGD ------------------------------------------------------------------ */
static void sgd_epoch(lr_rec *m, const lr_ratings *r, int64_t *ord, int64_t *ent_user, int epoch)
{
    int64_t n = r->nnz;
    int k = m->k;
    double lr = m->opts.sgd_rate, lam = m->opts.lambda;
    for (int64_t e = 0; e < n; e++) ord[e] = e;
    for (int64_t e = n - 1; e > 0; e--) {
        int64_t j = (int64_t)(rec_u01(m->opts.seed, 0x5960 + (uint64_t)epoch, (uint64_t)e) * (double)(e + 1));
        if (j > e) j = e;
        int64_t t = ord[e];
        ord[e] = ord[j];
        ord[j] = t;
    }
    for (int64_t q = 0; q < n; q++) {
        int64_t e = ord[q], u = ent_user[e];
        int32_t i = r->uidx[e];
        float *p = m->P + (size_t)u * k, *y = m->Q + (size_t)i * k;
        double pred = m->mean + m->bu[u] + m->bi[i];
        for (int t = 0; t < k; t++) pred += (double)p[t] * y[t];
        double err = r->uval[e] - pred;
        if (m->opts.biases) {
            double lb = m->opts.lambda_bias;
            m->bu[u] += (float)(lr * (err - lb * m->bu[u]));
            m->bi[i] += (float)(lr * (err - lb * m->bi[i]));
        }
        for (int t = 0; t < k; t++) {
            double pt = p[t], yt = y[t];
            p[t] = (float)(pt + lr * (err * yt - lam * pt));
            y[t] = (float)(yt + lr * (err * pt - lam * yt));
        }
    }
}

/* ---- the driver ------------------------------------------------------------ */
lr_status lr_rec_train(lr_ctx *ctx, const lr_ratings *r, const lr_rec_opts *o,
                       lr_rec **out, double *objective)
{
    if (!out || !r || !o) return lr__err(ctx, LR_ERR_ARG, "lr_rec_train: NULL argument");
    *out = NULL;
    int implicit = o->kind == LR_REC_IMPLICIT;
    if (o->kind != LR_REC_EXPLICIT && !implicit)
        return lr__err(ctx, LR_ERR_ARG, "unknown model kind %d", (int)o->kind);
    if (o->k < (implicit ? 1 : 0) || o->k > 256)
        return lr__err(ctx, LR_ERR_ARG, "k = %d: must be %s..256", o->k, implicit ? "1" : "0");
    if (!(o->lambda > 0) || !isfinite(o->lambda))
        return lr__err(ctx, LR_ERR_ARG, "lambda = %g: must be a positive number", o->lambda);
    if (!(o->lambda_bias < 0) && !(o->lambda_bias > 0 && isfinite(o->lambda_bias)))
        return lr__err(ctx, LR_ERR_ARG, "lambda_bias = %g: must be a positive number (or "
                       "negative: the same as lambda)", o->lambda_bias);
    if (o->iters < 0) return lr__err(ctx, LR_ERR_ARG, "iters = %d: must be >= 0", o->iters);
    if (implicit && (!(o->alpha >= 0) || !isfinite(o->alpha)))
        return lr__err(ctx, LR_ERR_ARG, "alpha = %g: must be >= 0", o->alpha);
    if (implicit && o->cg_steps < 1)
        return lr__err(ctx, LR_ERR_ARG, "cg steps = %d: must be >= 1", o->cg_steps);
    if (!implicit && o->solver == LR_REC_SGD && !(o->sgd_rate > 0 && o->sgd_rate < 1))
        return lr__err(ctx, LR_ERR_ARG, "SGD rate %g: must be in (0, 1)", o->sgd_rate);
    if (r->nnz == 0) return lr__err(ctx, LR_ERR_DATA, "no ratings to train on");
    if (implicit)
        for (int64_t e = 0; e < r->nnz; e++)
            if (!(r->uval[e] > 0))
                return lr__err(ctx, LR_ERR_DATA,
                               "implicit feedback needs ratings > 0 (found %g); "
                               "drop or shift them", (double)r->uval[e]);

    lr_rec *m;
    lr_status s = rec_model_alloc(ctx, o->k, r->users.n, r->items.n, r->nnz, &m);
    if (s) return s;
    m->opts = *o;
    if (!(m->opts.lambda_bias >= 0)) m->opts.lambda_bias = m->opts.lambda;
    if (implicit) m->opts.biases = 0;
    if (implicit) m->opts.solver = LR_REC_ALS;
    m->mean = implicit ? 0.0 : r->mean;
    int k = m->k;
    if ((s = rec_idmap_copy(ctx, &r->users, &m->users)) ||
        (s = rec_idmap_copy(ctx, &r->items, &m->items))) {
        lr_rec_destroy(m);
        return s;
    }
    memcpy(m->rptr, r->uptr, sizeof(int64_t) * (size_t)(m->nu + 1));
    memcpy(m->ridx, r->uidx, sizeof(int32_t) * (size_t)r->nnz);
    for (int64_t i = 0; i < m->ni; i++) m->pop[i] = r->iptr[i + 1] - r->iptr[i];

    /* initial factors: Q (and P, for SGD) ~ N(0, 0.1^2 / k) */
    if (k > 0) {
        double sc = 0.1 / sqrt((double)k);
        for (int side = 0; side < 2; side++) {
            int64_t rows = side ? m->nu : m->ni;
            float *F = side ? m->P : m->Q;
            if (side && !(o->solver == LR_REC_SGD && !implicit)) break;
            lr_mat M = {.dtype = LR_F64, .rows = k, .cols = rows, .ld = k};
            double *buf = lr__malloc(ctx, sizeof(double) * (size_t)k * (size_t)rows + 8, "initial factors");
            if (!buf) {
                lr_rec_destroy(m);
                return LR_ERR_NOMEM;
            }
            M.data = buf;
            k_randn(ctx, o->seed, 0x7ec0 + (uint64_t)side, &M);
            for (size_t e = 0; e < (size_t)k * (size_t)rows; e++) F[e] = (float)(sc * buf[e]);
            lr__free(ctx, buf);
        }
    }

    int nt = lr__threads(ctx);
    size_t wstride = implicit ? (size_t)4 * k + 8 : REC_EXPLICIT_WORK(k);
    wstride = (wstride + 7) & ~(size_t)7; /* each thread's slice 64-byte aligned */
    double *work = lr__malloc(ctx, sizeof(double) * wstride * (size_t)nt, "ALS workspace");
    double *part = lr__malloc(ctx, sizeof(double) * (size_t)(m->nu + m->ni + 1), "objective");
    double *YtY = lr__malloc(ctx, sizeof(double) * ((size_t)k * k + 1), "Y^T Y");
    int64_t *ord = NULL, *ent_user = NULL;
    if (!work || !part || !YtY) {
        s = LR_ERR_NOMEM;
        goto fail;
    }
    int sgd = !implicit && o->solver == LR_REC_SGD;
    if (sgd) {
        ord = lr__malloc(ctx, sizeof(int64_t) * (size_t)(r->nnz + 1), "SGD order");
        ent_user = lr__malloc(ctx, sizeof(int64_t) * (size_t)(r->nnz + 1), "SGD order");
        if (!ord || !ent_user) {
            s = LR_ERR_NOMEM;
            goto fail;
        }
        for (int64_t u = 0; u < m->nu; u++)
            for (int64_t e = r->uptr[u]; e < r->uptr[u + 1]; e++) ent_user[e] = u;
    }

    double obj;
    if (implicit) {
        if ((s = rec_gram(ctx, k, m->ni, m->Q, YtY))) goto fail;
        obj = implicit_objective(ctx, m, r, YtY, part);
    } else {
        obj = explicit_objective(ctx, m, r, part);
    }
    if (objective) objective[0] = obj;
    for (int it = 0; it < o->iters; it++) {
        if (implicit) {
            /* YtY of the current Q was computed above / at the end of the
             * previous iteration */
            implicit_half(ctx, m, r->uptr, r->uidx, r->uval, m->nu, m->Q, YtY, m->P, work, wstride);
            if ((s = rec_gram(ctx, k, m->nu, m->P, YtY))) goto fail;
            implicit_half(ctx, m, r->iptr, r->iidx, r->ival, m->ni, m->P, YtY, m->Q, work, wstride);
            if ((s = rec_gram(ctx, k, m->ni, m->Q, YtY))) goto fail;
            obj = implicit_objective(ctx, m, r, YtY, part);
        } else if (sgd) {
            sgd_epoch(m, r, ord, ent_user, it);
            obj = explicit_objective(ctx, m, r, part);
        } else {
            int bad = explicit_half(ctx, m, r->uptr, r->uidx, r->uval, m->nu, m->Q, m->bi, m->P,
                                    m->bu, work, wstride, NULL);
            bad |= explicit_half(ctx, m, r->iptr, r->iidx, r->ival, m->ni, m->P, m->bu, m->Q,
                                 m->bi, work, wstride, part);
            if (bad) {
                s = lr__err(ctx, LR_ERR_INTERNAL, "ALS: a normal-equation system was not positive definite");
                goto fail;
            }
            /* the item half-step returned each item's fit and penalty;
             * add the users' penalties */
            obj = user_penalty(ctx, m, r, part);
        }
        if (!isfinite(obj)) {
            s = lr__err(ctx, LR_ERR_DATA, "training diverged at iteration %d (objective %g)%s",
                        it + 1, obj, sgd ? "; lower the SGD rate" : "");
            goto fail;
        }
        if (objective) objective[it + 1] = obj;
        if ((s = lr__progress(ctx, "train", (double)(it + 1) / o->iters, "iteration %d/%d objective %.6g",
                              it + 1, o->iters, obj)))
            goto fail;
    }
    lr__free(ctx, work);
    lr__free(ctx, part);
    lr__free(ctx, YtY);
    lr__free(ctx, ord);
    lr__free(ctx, ent_user);
    *out = m;
    return LR_OK;
fail:
    lr__free(ctx, work);
    lr__free(ctx, part);
    lr__free(ctx, YtY);
    lr__free(ctx, ord);
    lr__free(ctx, ent_user);
    lr_rec_destroy(m);
    return s;
}
