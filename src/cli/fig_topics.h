/* fig_topics.h -- topics.png of `lowrank topics`: one small horizontal bar
 * chart per topic (its top words, bars proportional to their weights),
 * panels in a grid, drawn with figure.h. */
#ifndef LR_FIG_TOPICS_H
#define LR_FIG_TOPICS_H
#include <stddef.h>
#include <stdint.h>
#include "lowrank/lowrank.h"

/* Panels for the first min(k, FIG_TOPICS_MAX) topics; words and weights are
 * k x top, row-major, best first; npmi (may be NULL) is shown in each panel's
 * title.  Written atomically; errors as fig_write_png (sentence in msg). */
#define FIG_TOPICS_MAX 60
lr_status fig_topics_png(lr_ctx *ctx, const char *path, int64_t k, int64_t top,
                         const char *const *words, const double *weights, const double *npmi,
                         char *msg, size_t msglen);
#endif
