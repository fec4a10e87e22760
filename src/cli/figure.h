/* figure.h -- small cairo helpers for the figures the CLI draws: matrices
 * shown as image tiles, text in DejaVu Sans, line plots with axes, and an
 * atomic PNG writer.  Generic on purpose: compress --sweep and the video
 * panels both use them.
 *
 * Coordinates are pixels from the top-left corner of the figure.  Every
 * drawing call leaves the cairo state as it found it.  Errors inside cairo
 * are sticky on the surface; fig_write_png reports them.
 *
 * Typical use:
 *     fig f;
 *     if (fig_create(&f, 1200, 800)) ...out of memory...
 *     fig_text(&f, 20, 30, 18, FIG_LEFT, 1, "title %d", n);
 *     fig_rect r = fig_matrix(&f, planes, 3, &FIG_MAP_UNIT, (fig_rect){20, 50, 300, 200});
 *     fig_axes ax = fig_axes_make((fig_rect){...}, 1, n, 1e-3, 10, FIG_LINEAR, FIG_LOG);
 *     fig_axes_draw(&f, &ax, "singular values", "index i", "sigma_i");
 *     fig_line(&f, &ax, NULL, y, n, FIG_BLUE, 1.5);
 *     char msg[512];
 *     if (fig_write_png(ctx, &f, "out.png", msg, sizeof msg)) ...report msg...
 *     fig_destroy(&f);
 */
#ifndef LR_CLI_FIGURE_H
#define LR_CLI_FIGURE_H
#include <cairo.h>
#include <stdint.h>
#include "lowrank/lowrank.h"

typedef struct fig {
    cairo_surface_t *surface;
    cairo_t *cr;
    int width, height;
} fig;

typedef struct fig_rgb {
    double r, g, b;
} fig_rgb;

typedef struct fig_rect {
    double x, y, w, h;
} fig_rect;

/* A palette of distinguishable line colours (Tableau 10) and neutrals. */
extern const fig_rgb FIG_BLUE, FIG_ORANGE, FIG_GREEN, FIG_RED, FIG_PURPLE, FIG_GRAY,
    FIG_BLACK, FIG_DARK, FIG_LIGHT;
/* Colour of channel c of an image (red, green, blue; gray for 1 channel). */
fig_rgb fig_channel_color(int c, int channels);

/* A white figure of width x height pixels.  Returns 0, or -1 when cairo
 * could not allocate it (then f is zeroed and fig_destroy is harmless). */
int fig_create(fig *f, int width, int height);
void fig_destroy(fig *f);

/* ---- text (DejaVu Sans) ------------------------------------------------- */
typedef enum { FIG_LEFT, FIG_CENTER, FIG_RIGHT } fig_align;
/* Draws printf-formatted UTF-8 text with its baseline at y, anchored at x
 * by align; size in pixels; bold 0/1.  Returns the text's width. */
double fig_text(fig *f, double x, double y, double size, fig_align align, int bold,
                fig_rgb color, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* Width of a string at that size, without drawing. */
double fig_text_width(fig *f, double size, int bold, const char *s);
/* Text rotated 90 degrees counter-clockwise, centred on (x, y): for the
 * labels of vertical axes. */
void fig_text_vertical(fig *f, double x, double y, double size, fig_rgb color, const char *s);

/* ---- matrices as image tiles ---------------------------------------------
 * A map turns a matrix value into a colour: values are scaled from
 * [lo, hi] to [0, 1] and clamped; FIG_CMAP_GRAY shows that as gray levels
 * (or, with 3 planes, as R, G, B), FIG_CMAP_DIVERGING as blue - white - red
 * around the middle of the range (for signed data such as residuals), and
 * FIG_CMAP_HEAT as black - red - yellow - white (for magnitudes). */
typedef enum { FIG_CMAP_GRAY, FIG_CMAP_DIVERGING, FIG_CMAP_HEAT } fig_cmap;
typedef struct fig_map {
    double lo, hi;
    fig_cmap cmap;
} fig_map;
extern const fig_map FIG_MAP_UNIT; /* [0, 1], gray */

/* Draws nplanes (1, or 3 for RGB with FIG_CMAP_GRAY) matrices of one shape
 * (rows = image height) into the box, keeping the aspect ratio, centred.
 * Shrinking averages the source pixels under each output pixel (box
 * filter); enlarging repeats pixels (nearest), so small images stay crisp.
 * NaN shows as magenta.  Returns the rectangle actually covered (zero
 * width on failure: empty matrix or out of memory).  A thin frame is drawn
 * around it. */
fig_rect fig_matrix(fig *f, const lr_mat *planes, int nplanes, const fig_map *map,
                    fig_rect box);

/* ---- plots -------------------------------------------------------------- */
typedef enum { FIG_LINEAR = 0, FIG_LOG = 1 } fig_scale;
typedef struct fig_axes {
    fig_rect area;            /* plotting area in pixels (inside the frame) */
    double xmin, xmax, ymin, ymax;
    fig_scale xscale, yscale; /* FIG_LOG needs min > 0 */
} fig_axes;

/* Axes over `area` for the given ranges (swapped or equal limits are
 * widened; non-positive log limits are clamped to a tiny positive). */
fig_axes fig_axes_make(fig_rect area, double xmin, double xmax, double ymin, double ymax,
                       fig_scale xscale, fig_scale yscale);
/* Pixel position of a data point. */
double fig_px(const fig_axes *ax, double x);
double fig_py(const fig_axes *ax, double y);
/* Frame, light grid, ticks at 1-2-5 steps (linear) or decades (log) with
 * labels, the title above and the axis labels (any may be NULL). */
void fig_axes_draw(fig *f, const fig_axes *ax, const char *title, const char *xlabel,
                   const char *ylabel);
/* A polyline through (x[i], y[i]); x == NULL means x[i] = i + 1.  Points
 * outside a log axis's domain (<= 0) or non-finite break the line.  Drawn
 * clipped to the plotting area. */
void fig_line(fig *f, const fig_axes *ax, const double *x, const double *y, int64_t n,
              fig_rgb color, double width);
/* A vertical line at x over the plotting area, dashed or solid, with an
 * optional label written at its top. */
void fig_vline(fig *f, const fig_axes *ax, double x, fig_rgb color, double width, int dashed,
               const char *label);
/* A horizontal line at y, likewise (label at its right end). */
void fig_hline(fig *f, const fig_axes *ax, double y, fig_rgb color, double width, int dashed,
               const char *label);
/* A filled dot of radius r pixels at a data point. */
void fig_dot(fig *f, const fig_axes *ax, double x, double y, fig_rgb color, double r);
/* A legend box with n coloured line samples and labels, top-left at (x, y). */
void fig_legend(fig *f, double x, double y, const char *const *labels, const fig_rgb *colors,
                int n);

/* ---- output ---------------------------------------------------------------
 * Writes the figure as a PNG through lr_outfile (temporary name, rename on
 * success): an existing file at path is replaced only by a complete PNG.
 * Returns LR_OK or LR_ERR_IO / LR_ERR_NOMEM with a readable sentence naming
 * the path in msg (the CLI cannot set a context's message itself). */
lr_status fig_write_png(lr_ctx *ctx, fig *f, const char *path, char *msg, size_t msglen);

/* Releases cairo's (and through it fontconfig's) caches.  Call once when a
 * command has destroyed all its figures, so leak checkers stay quiet; no
 * figure may be alive at that moment (a later fig_create works again). */
void fig_shutdown(void);

#endif
