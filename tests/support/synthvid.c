/* synthvid.c -- the synthetic video of synthvid.h. */
#include "synthvid.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

void synthvid_opts_default(synthvid_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 80, o->height = 60, o->frames = 120;
    o->seed = 1;
    o->objects = 4;
    o->noise = 0.02;
    o->drift = 0.05;
    o->speed = 1.5;
    o->size = 0.2;
}

typedef struct {
    int ellipse, pattern;      /* pattern: 0 stripes, 1 checks */
    double x0, y0, vx, vy;     /* top-left at t = 0, velocity (pixels/frame) */
    double w, h, base, amp, period;
} object;

/* Smooth value noise: bilinear interpolation of a random grid (cell px). */
static double value_noise(const double *grid, int64_t gw, double y, double x, double cell)
{
    double gy = y / cell, gx = x / cell;
    int64_t iy = (int64_t)gy, ix = (int64_t)gx;
    double fy = gy - iy, fx = gx - ix;
    fy = fy * fy * (3 - 2 * fy), fx = fx * fx * (3 - 2 * fx); /* smoothstep */
    double a = grid[iy * gw + ix], b = grid[iy * gw + ix + 1];
    double c = grid[(iy + 1) * gw + ix], d = grid[(iy + 1) * gw + ix + 1];
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/* Is (y, x) inside object o at time t (wrapping around the frame)?  Sets
 * the object's local coordinates. */
static int covers(const object *o, int64_t t, double y, double x, double W, double H,
                  double *ly, double *lx)
{
    double ox = fmod(o->x0 + o->vx * t, W + o->w), oy = fmod(o->y0 + o->vy * t, H + o->h);
    if (ox < 0) ox += W + o->w;
    if (oy < 0) oy += H + o->h;
    ox -= o->w, oy -= o->h; /* enters from outside the frame */
    double u = x - ox, v = y - oy;
    if (u < 0 || v < 0 || u >= o->w || v >= o->h) return 0;
    if (o->ellipse) {
        double cu = (u + 0.5) / o->w - 0.5, cv = (v + 0.5) / o->h - 0.5;
        if (cu * cu + cv * cv > 0.25) return 0;
    }
    *ly = v, *lx = u;
    return 1;
}

/* The scene: background and objects, drawn from the seed. */
typedef struct scene {
    int64_t W, H, F;
    int nobj;
    double noise, drift;
    double *bg;
    object *obj;
} scene;

static void scene_free(scene *sc)
{
    free(sc->bg), free(sc->obj);
    sc->bg = NULL, sc->obj = NULL;
}

static int scene_make(const synthvid_opts *o, tu_rng *g, scene *sc)
{
    const int64_t H = o->height, W = o->width, P = H * W;
    memset(sc, 0, sizeof *sc);
    sc->W = W, sc->H = H, sc->F = o->frames, sc->nobj = o->objects;
    sc->noise = o->noise, sc->drift = o->drift;
    sc->bg = malloc(sizeof(double) * (size_t)P);
    const double cell = 8;
    const int64_t gw = (int64_t)(W / cell) + 3, gh = (int64_t)(H / cell) + 3;
    double *grid = malloc(sizeof(double) * (size_t)(gw * gh));
    sc->obj = calloc((size_t)(o->objects > 0 ? o->objects : 1), sizeof *sc->obj);
    if (!sc->bg || !grid || !sc->obj) {
        free(grid);
        scene_free(sc);
        return 0;
    }
    double *bg = sc->bg;

    /* Background: value noise + two gratings, within [0.2, 0.8]. */
    for (int64_t i = 0; i < gw * gh; i++) grid[i] = tu_rand01(g);
    double f1 = 0.15 + 0.2 * tu_rand01(g), f2 = 0.4 + 0.3 * tu_rand01(g);
    double th1 = M_PI * tu_rand01(g), th2 = M_PI * tu_rand01(g);
    for (int64_t x = 0; x < W; x++)
        for (int64_t y = 0; y < H; y++) {
            double b = 0.5 + 0.2 * (value_noise(grid, gw, y, x, cell) - 0.5);
            b += 0.06 * sin(f1 * (x * cos(th1) + y * sin(th1)));
            b += 0.04 * sin(f2 * (x * cos(th2) + y * sin(th2)));
            bg[y + x * H] = fmin(0.8, fmax(0.2, b));
        }
    free(grid);

    /* Objects: spread over the clip, alternating shape and pattern; grey
     * level 0.1-0.25 or 0.75-0.9 so they stand out from the background. */
    for (int k = 0; k < o->objects; k++) {
        object *b = &sc->obj[k];
        b->ellipse = k % 2;
        b->pattern = (k / 2) % 2;
        b->h = o->size * H * (0.7 + 0.6 * tu_rand01(g));
        b->w = b->h * (0.6 + 0.8 * tu_rand01(g));
        double sp = o->speed * (0.6 + 0.8 * tu_rand01(g));
        double ang = (tu_rand01(g) - 0.5) * 0.6; /* mostly horizontal */
        double dir = k % 2 ? -1 : 1;
        b->vx = dir * sp * cos(ang), b->vy = sp * sin(ang);
        b->x0 = (W + b->w) * tu_rand01(g);
        b->y0 = (H + b->h) * (0.2 + 0.6 * tu_rand01(g));
        b->base = tu_rand01(g) < 0.5 ? 0.1 + 0.15 * tu_rand01(g) : 0.75 + 0.15 * tu_rand01(g);
        b->amp = 0.05 + 0.05 * tu_rand01(g);
        b->period = 3 + 4 * tu_rand01(g);
    }
    return 1;
}

/* Frame f into column col of M (row i = pixel) and truth (P bytes, may be
 * NULL), noise drawn from g in pixel order.  Returns foreground pixels. */
static int64_t render(const scene *sc, int64_t f, tu_rng *g, lr_mat *M, int64_t col,
                      uint8_t *truth)
{
    const int64_t W = sc->W, H = sc->H;
    const double gain = 1 + sc->drift * sin(2 * M_PI * f / (double)sc->F);
    int64_t fg = 0;
    for (int64_t x = 0; x < W; x++)
        for (int64_t y = 0; y < H; y++) {
            double val = sc->bg[y + x * H], ly, lx;
            int hit = 0;
            for (int k = sc->nobj - 1; k >= 0 && !hit; k--) { /* last on top */
                if (!covers(&sc->obj[k], f, y, x, W, H, &ly, &lx)) continue;
                const object *b = &sc->obj[k];
                double tex = b->pattern
                                 ? (((int64_t)(ly / b->period) + (int64_t)(lx / b->period)) % 2 ? 1 : -1)
                                 : sin(2 * M_PI * lx / b->period);
                val = b->base + b->amp * tex;
                hit = 1;
            }
            val = val * gain + sc->noise * tu_randn(g);
            int64_t i = y + x * H;
            lr_mat_set(M, i, col, fmin(1.0, fmax(0.0, val)));
            if (truth) truth[i] = hit ? 255 : 0;
            fg += hit;
        }
    return fg;
}

lr_status synthvid_make(lr_ctx *ctx, const synthvid_opts *opts, lr_dtype t, synthvid *v)
{
    synthvid_opts o;
    if (opts) o = *opts;
    else synthvid_opts_default(&o);
    memset(v, 0, sizeof *v);
    const int64_t H = o.height, W = o.width, F = o.frames, P = H * W;
    v->width = W, v->height = H, v->frames = F;
    lr_status st = lr_mat_alloc(ctx, t, P, F, &v->M);
    if (st) return st;
    v->truth = calloc((size_t)(P * F), 1);
    tu_rng g = {o.seed * 0x9E3779B97F4A7C15ull + 12345};
    scene sc;
    if (!v->truth || !scene_make(&o, &g, &sc)) {
        synthvid_free(ctx, v);
        return LR_ERR_NOMEM;
    }
    int64_t fg = 0;
    for (int64_t f = 0; f < F; f++) fg += render(&sc, f, &g, &v->M, f, v->truth + f * P);
    v->fg_fraction = (double)fg / (double)(P * F);
    scene_free(&sc);
    return LR_OK;
}

/* ---- frame by frame ------------------------------------------------------ */
/* SplitMix64's finalizer: decorrelates seeds that differ in a few bits. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct synthvid_gen {
    scene sc;
    uint64_t seed;
};

synthvid_gen *synthvid_gen_new(const synthvid_opts *opts)
{
    synthvid_opts o;
    if (opts) o = *opts;
    else synthvid_opts_default(&o);
    synthvid_gen *gen = calloc(1, sizeof *gen);
    if (!gen) return NULL;
    tu_rng g = {o.seed * 0x9E3779B97F4A7C15ull + 12345};
    if (!scene_make(&o, &g, &gen->sc)) {
        free(gen);
        return NULL;
    }
    gen->seed = o.seed;
    return gen;
}

int64_t synthvid_gen_frames(const synthvid_gen *gen, int64_t t0, lr_mat *block, uint8_t *truth)
{
    const int64_t P = gen->sc.W * gen->sc.H;
    int64_t fg = 0;
    for (int64_t j = 0; j < block->cols; j++) {
        /* Noise of frame t from its own stream: any frame can be made alone. */
        tu_rng g = {mix64(mix64(gen->seed) ^ (uint64_t)(t0 + j))};
        if (!g.s) g.s = 1;
        fg += render(&gen->sc, t0 + j, &g, block, j, truth ? truth + j * P : NULL);
    }
    return fg;
}

void synthvid_gen_free(synthvid_gen *gen)
{
    if (!gen) return;
    scene_free(&gen->sc);
    free(gen);
}

void synthvid_free(lr_ctx *ctx, synthvid *v)
{
    if (!v) return;
    lr_mat_free(ctx, &v->M);
    free(v->truth);
    memset(v, 0, sizeof *v);
}
