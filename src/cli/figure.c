/* figure.c -- cairo helpers: tiles, text, axes, lines, atomic PNG output.
 * See figure.h for the contracts. */
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "figure.h"

const fig_rgb FIG_BLUE = {0.122, 0.467, 0.706}, FIG_ORANGE = {1.000, 0.498, 0.055},
              FIG_GREEN = {0.173, 0.627, 0.173}, FIG_RED = {0.839, 0.153, 0.157},
              FIG_PURPLE = {0.580, 0.404, 0.741}, FIG_GRAY = {0.5, 0.5, 0.5},
              FIG_BLACK = {0, 0, 0}, FIG_DARK = {0.2, 0.2, 0.2}, FIG_LIGHT = {0.88, 0.88, 0.88};
const fig_map FIG_MAP_UNIT = {0.0, 1.0, FIG_CMAP_GRAY};

static const char *FONT = "DejaVu Sans";

fig_rgb fig_channel_color(int c, int channels)
{
    if (channels != 3) return FIG_DARK;
    return c == 0 ? FIG_RED : c == 1 ? FIG_GREEN : FIG_BLUE;
}

int fig_create(fig *f, int width, int height)
{
    memset(f, 0, sizeof *f);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_t *cr = cairo_create(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    f->surface = s, f->cr = cr, f->width = width, f->height = height;
    return 0;
}

/* cairo_debug_reset_static_data drops cairo's font caches; fontconfig, which
 * cairo loaded, keeps its configuration until FcFini.  We do not link
 * fontconfig ourselves, so FcFini is looked up in the already loaded
 * library (absent: nothing to release). */
void fig_shutdown(void)
{
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
}

void fig_destroy(fig *f)
{
    if (!f) return;
    if (f->cr) cairo_destroy(f->cr);
    if (f->surface) cairo_surface_destroy(f->surface);
    memset(f, 0, sizeof *f);
}

static void set_rgb(cairo_t *cr, fig_rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

/* ---- text ---------------------------------------------------------------- */
static void set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double fig_text_width(fig *f, double size, int bold, const char *s)
{
    cairo_save(f->cr);
    set_font(f->cr, size, bold);
    cairo_text_extents_t e;
    cairo_text_extents(f->cr, s, &e);
    cairo_restore(f->cr);
    return e.x_advance;
}

double fig_text(fig *f, double x, double y, double size, fig_align align, int bold,
                fig_rgb color, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cairo_t *cr = f->cr;
    cairo_save(cr);
    set_font(cr, size, bold);
    cairo_text_extents_t e;
    cairo_text_extents(cr, buf, &e);
    double w = e.x_advance;
    double x0 = align == FIG_LEFT ? x : align == FIG_CENTER ? x - w / 2 : x - w;
    set_rgb(cr, color);
    cairo_move_to(cr, x0, y);
    cairo_show_text(cr, buf);
    cairo_restore(cr);
    return w;
}

void fig_text_vertical(fig *f, double x, double y, double size, fig_rgb color, const char *s)
{
    cairo_t *cr = f->cr;
    cairo_save(cr);
    set_font(cr, size, 0);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -M_PI / 2);
    set_rgb(cr, color);
    cairo_move_to(cr, -e.x_advance / 2, size * 0.35);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

/* ---- matrices -------------------------------------------------------------- */
static inline double mat_at(const lr_mat *m, int64_t i, int64_t j)
{
    size_t o = (size_t)(i + j * m->ld);
    return m->dtype == LR_F32 ? ((const float *)m->data)[o] : ((const double *)m->data)[o];
}

/* t in [0,1] (or NaN) -> 0xRRGGBB for a one-plane map */
static uint32_t cmap_color(fig_cmap cm, double t)
{
    if (isnan(t)) return 0xFF00FF;
    double r, g, b;
    switch (cm) {
    case FIG_CMAP_DIVERGING: /* blue (0) - white (0.5) - red (1) */
        if (t < 0.5) {
            double u = t * 2;
            r = 0.23 + 0.77 * u, g = 0.30 + 0.70 * u, b = 0.75 + 0.25 * u;
        } else {
            double u = (t - 0.5) * 2;
            r = 1 - 0.29 * u, g = 1 - 0.98 * u, b = 1 - 0.85 * u;
        }
        break;
    case FIG_CMAP_HEAT: /* black - red - yellow - white */
        r = fmin(1, 3 * t), g = fmin(1, fmax(0, 3 * t - 1)), b = fmin(1, fmax(0, 3 * t - 2));
        break;
    default:
        r = g = b = t;
    }
    return (uint32_t)lrint(r * 255) << 16 | (uint32_t)lrint(g * 255) << 8 | (uint32_t)lrint(b * 255);
}

fig_rect fig_matrix(fig *f, const lr_mat *planes, int nplanes, const fig_map *map,
                    fig_rect box)
{
    fig_rect none = {box.x, box.y, 0, 0};
    if (!planes || (nplanes != 1 && nplanes != 3) || box.w < 1 || box.h < 1) return none;
    int64_t rows = planes[0].rows, cols = planes[0].cols;
    if (rows <= 0 || cols <= 0 || !planes[0].data) return none;
    const fig_map m = map ? *map : FIG_MAP_UNIT;
    double span = m.hi - m.lo;
    if (!(span != 0) || !isfinite(span)) span = 1;
    double scale = fmin(box.w / cols, box.h / rows);
    int tw = (int)fmax(1, floor(cols * scale)), th = (int)fmax(1, floor(rows * scale));
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, tw, th);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return none;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int dy = 0; dy < th; dy++) {
        /* Source rows under this output row: [y0, y1). */
        int64_t y0 = (int64_t)floor(dy / scale), y1 = (int64_t)floor((dy + 1) / scale);
        if (scale >= 1) y0 = (int64_t)floor((dy + 0.5) / scale), y1 = y0 + 1;
        if (y0 >= rows) y0 = rows - 1;
        if (y1 <= y0) y1 = y0 + 1;
        if (y1 > rows) y1 = rows;
        uint32_t *row = (uint32_t *)(data + (size_t)dy * stride);
        for (int dx = 0; dx < tw; dx++) {
            int64_t x0 = (int64_t)floor(dx / scale), x1 = (int64_t)floor((dx + 1) / scale);
            if (scale >= 1) x0 = (int64_t)floor((dx + 0.5) / scale), x1 = x0 + 1;
            if (x0 >= cols) x0 = cols - 1;
            if (x1 <= x0) x1 = x0 + 1;
            if (x1 > cols) x1 = cols;
            double acc[3] = {0, 0, 0};
            for (int p = 0; p < nplanes; p++)
                for (int64_t j = x0; j < x1; j++)
                    for (int64_t i = y0; i < y1; i++) acc[p] += mat_at(&planes[p], i, j);
            double cnt = (double)((x1 - x0) * (y1 - y0));
            uint32_t px;
            if (nplanes == 3) {
                px = 0;
                for (int p = 0; p < 3; p++) {
                    double t = (acc[p] / cnt - m.lo) / span;
                    t = isnan(t) ? 0 : t < 0 ? 0 : t > 1 ? 1 : t;
                    px |= (uint32_t)lrint(t * 255) << (16 - 8 * p);
                }
                if (isnan(acc[0] + acc[1] + acc[2])) px = 0xFF00FF;
            } else {
                double t = (acc[0] / cnt - m.lo) / span;
                if (!isnan(t)) t = t < 0 ? 0 : t > 1 ? 1 : t;
                px = cmap_color(m.cmap, t);
            }
            row[dx] = px;
        }
    }
    cairo_surface_mark_dirty(img);
    double ox = round(box.x + (box.w - tw) / 2), oy = round(box.y + (box.h - th) / 2);
    cairo_t *cr = f->cr;
    cairo_save(cr);
    cairo_set_source_surface(cr, img, ox, oy);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, ox - 0.5, oy - 0.5, tw + 1, th + 1);
    cairo_stroke(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    return (fig_rect){ox, oy, tw, th};
}

/* ---- axes ---------------------------------------------------------------- */
fig_axes fig_axes_make(fig_rect area, double xmin, double xmax, double ymin, double ymax,
                       fig_scale xscale, fig_scale yscale)
{
    fig_axes a = {area, xmin, xmax, ymin, ymax, xscale, yscale};
    if (xscale == FIG_LOG) {
        if (!(a.xmin > 0)) a.xmin = 1e-300;
        if (!(a.xmax > a.xmin)) a.xmax = a.xmin * 10;
    } else if (!(a.xmax > a.xmin)) {
        a.xmin -= 0.5, a.xmax = a.xmin + 1;
    }
    if (yscale == FIG_LOG) {
        if (!(a.ymin > 0)) a.ymin = 1e-300;
        if (!(a.ymax > a.ymin)) a.ymax = a.ymin * 10;
    } else if (!(a.ymax > a.ymin)) {
        a.ymin -= 0.5, a.ymax = a.ymin + 1;
    }
    return a;
}

static double tr(double v, double lo, double hi, fig_scale s)
{
    if (s == FIG_LOG) return (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    return (v - lo) / (hi - lo);
}

double fig_px(const fig_axes *ax, double x)
{
    return ax->area.x + tr(x, ax->xmin, ax->xmax, ax->xscale) * ax->area.w;
}

double fig_py(const fig_axes *ax, double y)
{
    return ax->area.y + ax->area.h - tr(y, ax->ymin, ax->ymax, ax->yscale) * ax->area.h;
}

/* "10⁻³" for a decade exponent. */
static void decade_label(char *buf, size_t n, int e)
{
    static const char *sup[10] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    if (e == 0) {
        snprintf(buf, n, "1");
        return;
    }
    if (e == 1) {
        snprintf(buf, n, "10");
        return;
    }
    char digits[16];
    snprintf(digits, sizeof digits, "%d", abs(e));
    snprintf(buf, n, "10%s", e < 0 ? "⁻" : "");
    for (char *d = digits; *d; d++) strncat(buf, sup[*d - '0'], n - strlen(buf) - 1);
}

/* Label of a log-axis tick: plain ("0.01", "200") from 1e-3 to 1e4, powers
 * of ten ("10⁻⁵") beyond. */
static void log_label(char *buf, size_t n, double v)
{
    double e = log10(v);
    if (v >= 1e-3 * (1 - 1e-9) && v <= 1e4 * (1 + 1e-9)) snprintf(buf, n, "%g", v);
    else if (fabs(e - round(e)) < 1e-9) decade_label(buf, n, (int)round(e));
    else snprintf(buf, n, "%.0e", v);
}

/* Tick values along one axis; returns the count (at most max).  Log axes
 * get decades, and 2x and 5x ticks too when at most three decades show. */
static int ticks(double lo, double hi, fig_scale s, double *t, char (*lab)[32], int max)
{
    int n = 0;
    if (s == FIG_LOG) {
        double l0 = log10(lo), l1 = log10(hi);
        int fine = l1 - l0 <= 3.2;
        int e0 = (int)floor(l0 + 1e-9), e1 = (int)ceil(l1 - 1e-9);
        int step = 1;
        while (!fine && (e1 - e0) / step + 1 > 7) step++;
        for (int e = e0; e <= e1 && n < max; e += step)
            for (int m = 1; m <= (fine ? 5 : 1) && n < max; m += (m == 1 ? 1 : 3)) {
                double v = m * pow(10, e);
                if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
                t[n] = v;
                log_label(lab[n], sizeof lab[n], v);
                n++;
            }
        return n;
    }
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), step;
    double r = raw / mag;
    step = (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max; v += step) {
        t[n] = fabs(v) < step * 1e-9 ? 0 : v;
        snprintf(lab[n], sizeof lab[n], "%g", t[n]);
        n++;
    }
    return n;
}

void fig_axes_draw(fig *f, const fig_axes *ax, const char *title, const char *xlabel,
                   const char *ylabel)
{
    cairo_t *cr = f->cr;
    const fig_rect a = ax->area;
    double t[32];
    char lab[32][32];
    cairo_save(cr);
    cairo_set_line_width(cr, 1);
    /* grid and tick labels */
    int nx = ticks(ax->xmin, ax->xmax, ax->xscale, t, lab, 32);
    for (int i = 0; i < nx; i++) {
        double px = round(fig_px(ax, t[i])) + 0.5;
        set_rgb(cr, FIG_LIGHT);
        cairo_move_to(cr, px, a.y);
        cairo_line_to(cr, px, a.y + a.h);
        cairo_stroke(cr);
        set_rgb(cr, FIG_DARK);
        cairo_move_to(cr, px, a.y + a.h);
        cairo_line_to(cr, px, a.y + a.h + 4);
        cairo_stroke(cr);
        fig_text(f, px, a.y + a.h + 17, 12, FIG_CENTER, 0, FIG_DARK, "%s", lab[i]);
    }
    int ny = ticks(ax->ymin, ax->ymax, ax->yscale, t, lab, 32);
    double maxw = 0;
    for (int i = 0; i < ny; i++) {
        double py = round(fig_py(ax, t[i])) + 0.5;
        set_rgb(cr, FIG_LIGHT);
        cairo_move_to(cr, a.x, py);
        cairo_line_to(cr, a.x + a.w, py);
        cairo_stroke(cr);
        set_rgb(cr, FIG_DARK);
        cairo_move_to(cr, a.x - 4, py);
        cairo_line_to(cr, a.x, py);
        cairo_stroke(cr);
        double w = fig_text(f, a.x - 7, py + 4, 12, FIG_RIGHT, 0, FIG_DARK, "%s", lab[i]);
        if (w > maxw) maxw = w;
    }
    /* frame */
    set_rgb(cr, FIG_DARK);
    cairo_rectangle(cr, round(a.x) + 0.5, round(a.y) + 0.5, round(a.w), round(a.h));
    cairo_stroke(cr);
    cairo_restore(cr);
    if (title) fig_text(f, a.x + a.w / 2, a.y - 10, 14, FIG_CENTER, 1, FIG_BLACK, "%s", title);
    if (xlabel) fig_text(f, a.x + a.w / 2, a.y + a.h + 36, 13, FIG_CENTER, 0, FIG_DARK, "%s", xlabel);
    if (ylabel) fig_text_vertical(f, a.x - maxw - 20, a.y + a.h / 2, 13, FIG_DARK, ylabel);
}

static int in_domain(const fig_axes *ax, double x, double y)
{
    return isfinite(x) && isfinite(y) && (ax->xscale != FIG_LOG || x > 0) &&
           (ax->yscale != FIG_LOG || y > 0);
}

static void clip_area(cairo_t *cr, const fig_axes *ax)
{
    cairo_rectangle(cr, ax->area.x, ax->area.y, ax->area.w, ax->area.h);
    cairo_clip(cr);
}

void fig_line(fig *f, const fig_axes *ax, const double *x, const double *y, int64_t n,
              fig_rgb color, double width)
{
    cairo_t *cr = f->cr;
    cairo_save(cr);
    clip_area(cr, ax);
    set_rgb(cr, color);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    int pen = 0;
    for (int64_t i = 0; i < n; i++) {
        double xi = x ? x[i] : (double)(i + 1);
        if (!in_domain(ax, xi, y[i])) {
            pen = 0;
            continue;
        }
        double px = fig_px(ax, xi), py = fig_py(ax, y[i]);
        if (pen) cairo_line_to(cr, px, py);
        else cairo_move_to(cr, px, py);
        pen = 1;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

void fig_vline(fig *f, const fig_axes *ax, double x, fig_rgb color, double width, int dashed,
               const char *label)
{
    if (!in_domain(ax, x, ax->yscale == FIG_LOG ? ax->ymin : 0)) return;
    cairo_t *cr = f->cr;
    double px = fig_px(ax, x);
    if (px < ax->area.x - 0.5 || px > ax->area.x + ax->area.w + 0.5) return;
    cairo_save(cr);
    set_rgb(cr, color);
    cairo_set_line_width(cr, width);
    if (dashed) {
        double d[2] = {5, 4};
        cairo_set_dash(cr, d, 2, 0);
    }
    cairo_move_to(cr, px, ax->area.y);
    cairo_line_to(cr, px, ax->area.y + ax->area.h);
    cairo_stroke(cr);
    cairo_restore(cr);
    if (label) fig_text(f, px + 3, ax->area.y + 13, 11, FIG_LEFT, 0, color, "%s", label);
}

void fig_hline(fig *f, const fig_axes *ax, double y, fig_rgb color, double width, int dashed,
               const char *label)
{
    if (!in_domain(ax, ax->xscale == FIG_LOG ? ax->xmin : 0, y)) return;
    cairo_t *cr = f->cr;
    double py = fig_py(ax, y);
    if (py < ax->area.y - 0.5 || py > ax->area.y + ax->area.h + 0.5) return;
    cairo_save(cr);
    set_rgb(cr, color);
    cairo_set_line_width(cr, width);
    if (dashed) {
        double d[2] = {5, 4};
        cairo_set_dash(cr, d, 2, 0);
    }
    cairo_move_to(cr, ax->area.x, py);
    cairo_line_to(cr, ax->area.x + ax->area.w, py);
    cairo_stroke(cr);
    cairo_restore(cr);
    if (label) fig_text(f, ax->area.x + ax->area.w - 4, py - 4, 11, FIG_RIGHT, 0, color, "%s", label);
}

void fig_dot(fig *f, const fig_axes *ax, double x, double y, fig_rgb color, double r)
{
    if (!in_domain(ax, x, y)) return;
    cairo_t *cr = f->cr;
    cairo_save(cr);
    set_rgb(cr, color);
    cairo_arc(cr, fig_px(ax, x), fig_py(ax, y), r, 0, 2 * M_PI);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void fig_legend(fig *f, double x, double y, const char *const *labels, const fig_rgb *colors,
                int n)
{
    double w = 0;
    for (int i = 0; i < n; i++) w = fmax(w, fig_text_width(f, 12, 0, labels[i]));
    cairo_t *cr = f->cr;
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, x, y, w + 42, 18 * n + 8);
    cairo_fill_preserve(cr);
    set_rgb(cr, FIG_LIGHT);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (int i = 0; i < n; i++) {
        double ly = y + 13 + 18 * i;
        set_rgb(cr, colors[i]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x + 8, ly - 4);
        cairo_line_to(cr, x + 28, ly - 4);
        cairo_stroke(cr);
        fig_text(f, x + 34, ly, 12, FIG_LEFT, 0, FIG_DARK, "%s", labels[i]);
    }
    cairo_restore(cr);
}

/* ---- output ---------------------------------------------------------------- */
static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
    FILE *fp = closure;
    return fwrite(data, 1, len, fp) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

lr_status fig_write_png(lr_ctx *ctx, fig *f, const char *path, char *msg, size_t msglen)
{
    if (msglen) msg[0] = 0;
    cairo_status_t cs = cairo_status(f->cr);
    if (cs != CAIRO_STATUS_SUCCESS) {
        snprintf(msg, msglen, "drawing the figure for '%s' failed (%s)", path,
                 cairo_status_to_string(cs));
        return cs == CAIRO_STATUS_NO_MEMORY ? LR_ERR_NOMEM : LR_ERR_INTERNAL;
    }
    lr_outfile *of;
    lr_status s = lr_outfile_open(ctx, path, &of);
    if (s != LR_OK) {
        snprintf(msg, msglen, "%s", lr_ctx_errmsg(ctx));
        return s;
    }
    cairo_surface_flush(f->surface);
    cs = cairo_surface_write_to_png_stream(f->surface, write_fn, lr_outfile_fp(of));
    if (cs != CAIRO_STATUS_SUCCESS) {
        lr_outfile_abort(of);
        snprintf(msg, msglen, "writing '%s' failed (%s); the previous file, if any, is "
                 "unchanged", path, cairo_status_to_string(cs));
        return cs == CAIRO_STATUS_NO_MEMORY ? LR_ERR_NOMEM : LR_ERR_IO;
    }
    s = lr_outfile_commit(ctx, of);
    if (s != LR_OK) snprintf(msg, msglen, "%s", lr_ctx_errmsg(ctx));
    return s;
}
