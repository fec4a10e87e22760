/* fig_topics.c -- the bar charts of `lowrank topics` (see fig_topics.h). */
#include <math.h>
#include <stdio.h>
#include "fig_topics.h"
#include "figure.h"

/* The first max code points of UTF-8 s into out (room for 4 * max + 4),
 * with "..." when cut: never splits a character. */
static void utf8_prefix(char *out, const char *s, int max)
{
    int cps = 0;
    size_t i = 0;
    while (s[i] && cps < max) {
        size_t l = 1;
        while ((s[i + l] & 0xC0) == 0x80) l++;
        for (size_t q = 0; q < l; q++) out[i + q] = s[i + q];
        i += l, cps++;
    }
    out[i] = 0;
    if (s[i]) out[i] = '.', out[i + 1] = '.', out[i + 2] = 0;
}

enum { COLS = 5, PANEL_W = 250, LABEL_W = 110, ROW_H = 16, TITLE_H = 26, PAD = 14 };

lr_status fig_topics_png(lr_ctx *ctx, const char *path, int64_t k, int64_t top,
                         const char *const *words, const double *weights, const double *npmi,
                         char *msg, size_t msglen)
{
    static const fig_rgb *const pal[] = {&FIG_BLUE, &FIG_ORANGE, &FIG_GREEN, &FIG_RED, &FIG_PURPLE};
    int64_t shown = k < FIG_TOPICS_MAX ? k : FIG_TOPICS_MAX;
    int cols = shown < COLS ? (int)shown : COLS;
    int rows = (int)((shown + cols - 1) / cols);
    int panel_h = TITLE_H + (int)top * ROW_H + PAD;
    int head = 40;
    fig f;
    if (fig_create(&f, cols * PANEL_W + PAD, head + rows * panel_h + PAD)) {
        snprintf(msg, msglen, "out of memory drawing %s", path);
        return LR_ERR_NOMEM;
    }
    fig_text(&f, PAD, 26, 16, FIG_LEFT, 1, FIG_BLACK, "Top words of %lld topics%s", (long long)k,
             shown < k ? " (first 60 shown)" : "");
    cairo_t *cr = f.cr;
    for (int64_t t = 0; t < shown; t++) {
        double x0 = PAD + (double)(t % cols) * PANEL_W, y0 = head + (double)(t / cols) * panel_h;
        if (npmi)
            fig_text(&f, x0, y0 + 16, 13, FIG_LEFT, 1, FIG_DARK, "topic %lld  (NPMI %.2f)",
                     (long long)t, npmi[t]);
        else
            fig_text(&f, x0, y0 + 16, 13, FIG_LEFT, 1, FIG_DARK, "topic %lld", (long long)t);
        double wmax = 0;
        for (int64_t i = 0; i < top; i++) wmax = fmax(wmax, weights[t * top + i]);
        double bar_w = PANEL_W - LABEL_W - 2 * PAD;
        fig_rgb col = *pal[t % 5];
        for (int64_t i = 0; i < top; i++) {
            double y = y0 + TITLE_H + (double)i * ROW_H;
            double w = weights[t * top + i];
            /* label, shortened when too wide */
            char lab[96];
            utf8_prefix(lab, words[t * top + i], 16);
            fig_text(&f, x0 + LABEL_W - 6, y + ROW_H - 4, 11, FIG_RIGHT, 0, FIG_DARK, "%s", lab);
            double len = wmax > 0 && w > 0 ? bar_w * w / wmax : 0;
            cairo_save(cr);
            cairo_set_source_rgb(cr, col.r, col.g, col.b);
            cairo_rectangle(cr, x0 + LABEL_W, y + 2, len, ROW_H - 4);
            cairo_fill(cr);
            cairo_restore(cr);
        }
    }
    lr_status s = fig_write_png(ctx, &f, path, msg, msglen);
    fig_destroy(&f);
    return s;
}
