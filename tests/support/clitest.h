/* clitest.h -- helpers for tests that run the CLI and read what it wrote:
 * folder listings, JSON reports, and an F1 score computed from PNG masks
 * independently of the library's own scoring. */
#ifndef LR_CLITEST_H
#define LR_CLITEST_H
#include <cjson/cJSON.h>

/* Entries of dir that a user would see, plus any leftover temporary file
 * (".tmp-" in the name); with must_contain, only names containing it.
 * -1 when dir cannot be opened. */
int tu_count_entries(const char *dir, const char *must_contain);
/* The JSON document in path, or NULL (unreadable or invalid); free with
 * cJSON_Delete. */
cJSON *tu_load_json(const char *path);
/* The number at a dotted path ("truth.f1") in o; NAN when missing or not a
 * number. */
double tu_json_num(const cJSON *o, const char *path);
/* F1 of the mask frames maskdir/frame-NNNNNN.png against the CDnet truth
 * gtdir/gtNNNNNN.png (255 foreground, 0 background, other values left out)
 * for frames first .. first+n-1 (files numbered from 1); every mask must be
 * width x height.  NAN when a file is missing or has another size. */
double tu_f1_from_pngs(const char *maskdir, const char *gtdir, int first, int n, int width,
                       int height);
#endif
