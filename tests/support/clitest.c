/* clitest.c -- the helpers of clitest.h. */
#include "clitest.h"
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tu_count_entries(const char *dir, const char *must_contain)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' || strstr(e->d_name, ".tmp-"))
            n += !must_contain || strstr(e->d_name, must_contain) != NULL;
    closedir(d);
    return n;
}

cJSON *tu_load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    free(buf);
    return j;
}

double tu_json_num(const cJSON *o, const char *path)
{
    char key[128];
    const char *p = path;
    const cJSON *cur = o;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof key, "%.*s", (int)l, p);
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        p += l + (dot != NULL);
    }
    return cJSON_IsNumber(cur) ? cur->valuedouble : NAN;
}

static int read_grey(const char *path, int width, int height, unsigned char *px)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path)) return -1;
    im.format = PNG_FORMAT_GRAY;
    if ((int)im.width != width || (int)im.height != height) {
        png_image_free(&im);
        return -1;
    }
    return png_image_finish_read(&im, NULL, px, 0, NULL) ? 0 : -1;
}

double tu_f1_from_pngs(const char *maskdir, const char *gtdir, int first, int n, int width,
                       int height)
{
    long tp = 0, fp = 0, fn = 0;
    size_t P = (size_t)width * (size_t)height;
    unsigned char *mk = malloc(2 * P), *gt = mk + P;
    if (!mk) return NAN;
    for (int j = 0; j < n; j++) {
        char mp[4096], gp[4096];
        snprintf(mp, sizeof mp, "%s/frame-%06d.png", maskdir, first + j + 1);
        snprintf(gp, sizeof gp, "%s/gt%06d.png", gtdir, first + j + 1);
        if (read_grey(mp, width, height, mk) || read_grey(gp, width, height, gt)) {
            free(mk);
            return NAN;
        }
        for (size_t i = 0; i < P; i++) {
            int m = mk[i] != 0;
            if (gt[i] == 255) m ? tp++ : fn++;
            else if (gt[i] == 0 && m) fp++;
        }
    }
    free(mk);
    return 2.0 * tp / (2.0 * tp + fp + fn);
}
