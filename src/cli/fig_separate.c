/* fig_separate.c -- pictures for `lowrank separate` on top of figure.h. */
#include <math.h>
#include <stdio.h>
#include "fig_separate.h"

lr_status fig_sep_row(lr_ctx *ctx, const char *path, const char *heading,
                      const char *footer, int n, const fig_tile *tiles, int min_width,
                      int max_width, char *msg, size_t msglen)
{
    const int pad = 16, head_h = heading ? 34 : 0, title_h = 24, foot_h = footer ? 24 : 0;
    double zoom = 1;
    int maxh = 0, totw = 0;
    int64_t widest = 0;
    for (int i = 0; i < n; i++)
        if (tiles[i].m.cols > widest) widest = tiles[i].m.cols;
    if (max_width > 0 && widest > max_width) {
        zoom = (double)max_width / widest; /* shrink: fig_matrix box-averages */
    } else {
        for (int i = 0; i < n; i++)
            while (tiles[i].m.cols * zoom < min_width && zoom < 16) zoom++;
    }
    for (int i = 0; i < n; i++) {
        int th = (int)floor(tiles[i].m.rows * zoom), tw = (int)floor(tiles[i].m.cols * zoom);
        if (th > maxh) maxh = th;
        totw += tw;
    }
    int W = totw + pad * (n + 1), H = pad + head_h + title_h + maxh + foot_h + pad;
    /* Measure the text on a scratch figure and widen the real one to fit. */
    fig probe;
    if (fig_create(&probe, 16, 16) == 0) {
        double tw = 0;
        if (heading) tw = fig_text_width(&probe, 17, 1, heading);
        if (footer) tw = fmax(tw, fig_text_width(&probe, 12, 0, footer));
        if (tw + 2 * pad > W) W = (int)ceil(tw) + 2 * pad;
        fig_destroy(&probe);
    }
    fig f;
    if (fig_create(&f, W, H)) {
        snprintf(msg, msglen, "out of memory drawing '%s'", path);
        return LR_ERR_NOMEM;
    }
    if (heading) fig_text(&f, W / 2.0, pad + 18, 17, FIG_CENTER, 1, FIG_BLACK, "%s", heading);
    double x = (W - totw - pad * (n - 1)) / 2.0, y = pad + head_h;
    for (int i = 0; i < n; i++) {
        double tw = floor(tiles[i].m.cols * zoom), th = floor(tiles[i].m.rows * zoom);
        if (tiles[i].title)
            fig_text(&f, x + tw / 2, y + 17, 14, FIG_CENTER, 0, FIG_BLACK, "%s", tiles[i].title);
        fig_matrix(&f, &tiles[i].m, 1, &tiles[i].map, (fig_rect){x, y + title_h, tw, th});
        x += tw + pad;
    }
    if (footer) fig_text(&f, W / 2.0, H - pad + 2, 12, FIG_CENTER, 0, FIG_DARK, "%s", footer);
    lr_status s = fig_write_png(ctx, &f, path, msg, msglen);
    fig_destroy(&f);
    return s;
}

int fig_pick_rows(int64_t rows, int max_rows, int64_t *idx)
{
    int n = rows < max_rows ? (int)rows : max_rows;
    for (int i = 0; i < n; i++) idx[i] = (int64_t)((i + 0.5) * rows / n);
    return n;
}
