/* ratings_read.c -- ratings files: `user SEP item SEP rating [SEP ...]` lines
 * with SEP tab, comma, ';', "::" (MovieLens) or spaces, detected from the
 * first data line; an optional header whose names pick the columns; quoted
 * fields; bad lines reported by number or skipped and counted. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rec_internal.h"

enum { SEP_TAB, SEP_COMMA, SEP_SEMI, SEP_COLONS, SEP_SPACE };
static const char *sep_name[] = {"tab-separated", "comma-separated", "semicolon-separated",
                                 "'::'-separated (MovieLens)", "space-separated"};
#define MAXF 64

/* Splits line (modified in place) into at most MAXF fields; returns count. */
static int split(char *line, int sep, char **f)
{
    int n = 0;
    char *p = line;
    if (sep == SEP_SPACE) {
        while (*p && n < MAXF) {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
            f[n++] = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            if (*p) *p++ = 0;
        }
        return n;
    }
    if (sep == SEP_COLONS) {
        for (;;) {
            if (n == MAXF) break;
            f[n++] = p;
            char *q = strstr(p, "::");
            if (!q) break;
            *q = 0;
            p = q + 2;
        }
    } else {
        char c = sep == SEP_TAB ? '\t' : sep == SEP_COMMA ? ',' : ';';
        for (;;) {
            if (n == MAXF) break;
            while (*p == ' ') p++;
            if (*p == '"') { /* quoted: "" is a quote; ends at the closing quote */
                char *w = p, *r = p + 1;
                f[n++] = p;
                for (;;) {
                    if (!*r) break;
                    if (*r == '"') {
                        if (r[1] == '"') {
                            *w++ = '"';
                            r += 2;
                            continue;
                        }
                        r++;
                        break;
                    }
                    *w++ = *r++;
                }
                while (*r && *r != c) r++;
                int more = *r == c;
                *w = 0;
                if (!more) break;
                p = r + 1;
                continue;
            }
            f[n++] = p;
            char *q = strchr(p, c);
            if (!q) break;
            *q = 0;
            p = q + 1;
        }
    }
    for (int j = 0; j < n; j++) { /* trim spaces */
        char *s = f[j];
        while (*s == ' ' || *s == '\t') s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
        f[j] = s;
    }
    return n;
}

static int is_number(const char *s, double *v)
{
    if (!*s) return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end) return 0;
    *v = x;
    return 1;
}

static int name_in(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (!strcasecmp(s, *names)) return 1;
    return 0;
}
static const char *const user_names[] = {"user", "userid", "user_id", "users", "s", "student", "uid", NULL};
static const char *const item_names[] = {"item", "itemid", "item_id", "items", "movie", "movieid",
                                         "movie_id", "d", "lecturer", "iid", "product", NULL};
static const char *const rating_names[] = {"rating", "ratings", "score", "y", "value", "stars",
                                           "count", "plays", "weight", NULL};

typedef struct {
    int32_t *u, *i;
    float *r;
    int64_t n, cap;
} trip;

static lr_status trip_push(lr_ctx *ctx, trip *t, int32_t u, int32_t i, float r)
{
    if (t->n == t->cap) {
        int64_t c = t->cap ? 2 * t->cap : 65536;
        int32_t *nu = lr__malloc(ctx, sizeof(int32_t) * (size_t)c, "ratings");
        int32_t *ni = lr__malloc(ctx, sizeof(int32_t) * (size_t)c, "ratings");
        float *nr = lr__malloc(ctx, sizeof(float) * (size_t)c, "ratings");
        if (!nu || !ni || !nr) {
            lr__free(ctx, nu);
            lr__free(ctx, ni);
            lr__free(ctx, nr);
            return LR_ERR_NOMEM;
        }
        if (t->n) {
            memcpy(nu, t->u, sizeof(int32_t) * (size_t)t->n);
            memcpy(ni, t->i, sizeof(int32_t) * (size_t)t->n);
            memcpy(nr, t->r, sizeof(float) * (size_t)t->n);
        }
        lr__free(ctx, t->u);
        lr__free(ctx, t->i);
        lr__free(ctx, t->r);
        t->u = nu, t->i = ni, t->r = nr, t->cap = c;
    }
    t->u[t->n] = u;
    t->i[t->n] = i;
    t->r[t->n++] = r;
    return LR_OK;
}

lr_status lr_ratings_read(lr_ctx *ctx, const char *path, int skip_bad, lr_ratings **out,
                          lr_ratings_report *rep)
{
    lr_ratings_report dummy;
    if (!rep) rep = &dummy;
    memset(rep, 0, sizeof *rep);
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp) return lr__err(ctx, LR_ERR_IO, "cannot open ratings file '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int sep = -1, cu = 0, ci = 1, cr = 2, need = 3;
    rec_idmap um = {0}, im = {0};
    trip t = {0};
    lr_status s = LR_OK;
    int64_t ln = 0;
    char *f[MAXF];
    char *first_copy = NULL;
    while ((len = getline(&line, &lcap, fp)) != -1) {
        ln++;
        if ((size_t)len != strlen(line)) {
            s = lr__err(ctx, LR_ERR_FORMAT, "'%s' line %lld: contains a NUL byte: not a text ratings file",
                        path, (long long)ln);
            goto done;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '#' || (ln == 1 && !strncmp(p, "%", 1))) continue;
        if (sep < 0) { /* the first data line decides the layout */
            if (strstr(line, "::")) sep = SEP_COLONS;
            else if (strchr(line, '\t')) sep = SEP_TAB;
            else if (strchr(line, ',')) sep = SEP_COMMA;
            else if (strchr(line, ';')) sep = SEP_SEMI;
            else sep = SEP_SPACE;
            /* split a copy: the line itself is parsed again below as data */
            char *copy = lr__malloc(ctx, (size_t)len + 1, "ratings line");
            if (!copy) {
                s = LR_ERR_NOMEM;
                goto done;
            }
            memcpy(copy, line, (size_t)len + 1);
            lr__free(ctx, first_copy);
            first_copy = copy;
            int n = split(copy, sep, f);
            double v;
            int named = 0;
            for (int j = 0; j < n; j++)
                named |= name_in(f[j], user_names) || name_in(f[j], item_names);
            int header = named || (n >= 3 && !is_number(f[2], &v));
            if (n < 2) {
                s = lr__err(ctx, LR_ERR_FORMAT, "'%s' line %lld: one field only; expected "
                            "`user item rating` separated by tab, comma, ';' or '::'", path, (long long)ln);
                goto done;
            }
            need = n >= 3 ? 3 : 2;
            if (header) {
                rep->header = 1;
                int fu = -1, fi = -1, fr = -1;
                for (int j = 0; j < n; j++) {
                    if (fu < 0 && name_in(f[j], user_names)) fu = j;
                    else if (fi < 0 && name_in(f[j], item_names)) fi = j;
                    else if (fr < 0 && name_in(f[j], rating_names)) fr = j;
                }
                if (fu >= 0 && fi >= 0) {
                    cu = fu, ci = fi;
                    if (fr >= 0) cr = fr;
                    else {
                        cr = -1;
                        for (int j = 0; j < n && cr < 0; j++) if (j != fu && j != fi) cr = j;
                    }
                }
                need = LR_MAX(cu, ci) + 1;
                if (cr >= 0 && n >= 3) need = LR_MAX(need, cr + 1);
                else cr = -1;
                if (cr >= 0)
                    snprintf(rep->layout, sizeof rep->layout, "%s, header, columns user=%d item=%d rating=%d",
                             sep_name[sep], cu + 1, ci + 1, cr + 1);
                else
                    snprintf(rep->layout, sizeof rep->layout, "%s, header, columns user=%d item=%d (rating 1)",
                             sep_name[sep], cu + 1, ci + 1);
                continue;
            }
            if (need == 2) cr = -1;
            if (cr >= 0)
                snprintf(rep->layout, sizeof rep->layout, "%s, no header, user item rating%s",
                         sep_name[sep], n > 3 ? " [+ ignored columns]" : "");
            else
                snprintf(rep->layout, sizeof rep->layout, "%s, no header, user item (rating 1)",
                         sep_name[sep]);
        }
        int n = split(line, sep, f);
        double v = 1.0;
        const char *why = NULL;
        if (n < need) why = "too few fields";
        else if (!*f[cu] || !*f[ci]) why = "empty user or item id";
        else if (cr >= 0 && !is_number(f[cr], &v)) why = "the rating is not a number";
        if (why) {
            if (!rep->first_bad_line) rep->first_bad_line = ln;
            if (!skip_bad) {
                s = lr__err(ctx, LR_ERR_FORMAT, "'%s' line %lld: %s (expected %s: user, item%s); "
                            "fix it or use --skip-bad to skip such lines", path, (long long)ln, why,
                            sep_name[sep], cr >= 0 ? ", rating" : "");
                goto done;
            }
            rep->skipped_bad++;
            continue;
        }
        if (!isfinite(v) || fabs(v) > 3.0e38) {
            s = lr__err(ctx, LR_ERR_DATA, "'%s' line %lld: rating '%s' is not a finite number; "
                        "remove or fix the line", path, (long long)ln, f[cr]);
            goto done;
        }
        int64_t a, b;
        if ((s = rec_idmap_intern(ctx, &um, f[cu], strlen(f[cu]), &a))) goto done;
        if ((s = rec_idmap_intern(ctx, &im, f[ci], strlen(f[ci]), &b))) goto done;
        if ((s = trip_push(ctx, &t, (int32_t)a, (int32_t)b, (float)v))) goto done;
    }
    if (ferror(fp)) {
        s = lr__err(ctx, LR_ERR_IO, "reading '%s' failed: %s", path, strerror(errno));
        goto done;
    }
    rep->lines = ln;
    if (t.n == 0) {
        s = lr__err(ctx, LR_ERR_DATA, "'%s': no ratings found (%lld lines%s)", path, (long long)ln,
                    rep->skipped_bad ? ", all bad" : "");
        goto done;
    }
    s = rec_ratings_build(ctx, &um, &im, t.n, t.u, t.i, t.r, out, &rep->duplicates);
    if (s == LR_OK) rep->ratings = (*out)->nnz;
done:
    rep->lines = ln;
    lr__free(ctx, first_copy);
    fclose(fp);
    free(line);
    rec_idmap_free(ctx, &um);
    rec_idmap_free(ctx, &im);
    lr__free(ctx, t.u);
    lr__free(ctx, t.i);
    lr__free(ctx, t.r);
    return s;
}
