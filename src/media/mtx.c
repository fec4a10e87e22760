/* mtx.c -- Matrix Market files: coordinate (real, integer, pattern;
 * general, symmetric) and array (real, integer; general) reading into CSR,
 * coordinate real general writing.  See mtx.h for what is refused. */
#include "internal.h"
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    lr_ctx *ctx;
    const char *path;
    FILE *f;
    char *line;
    size_t cap;
    int64_t lineno;
} reader;

/* Next line (without the newline); NULL at end of file. */
static char *next_line(reader *r)
{
    ssize_t n = getline(&r->line, &r->cap, r->f);
    if (n < 0) return NULL;
    r->lineno++;
    while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r')) r->line[--n] = 0;
    return r->line;
}

static int blank(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return *s == 0;
}

/* Parses a decimal integer at *s, advancing; 0 on failure. */
static int parse_i64(const char **s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(*s, &end, 10);
    if (end == *s || errno || (*end && !isspace((unsigned char)*end))) return 0;
    *v = x;
    *s = end;
    return 1;
}

static int parse_f64(const char **s, double *v)
{
    char *end;
    double x = strtod(*s, &end);
    if (end == *s || (*end && !isspace((unsigned char)*end))) return 0;
    *v = x;
    *s = end;
    return 1;
}

static int rest_blank(const char *s) { return blank(s); }

static lr_status fmt_err(reader *r, const char *fmt, const char *a)
{
    return lr__err(r->ctx, LR_ERR_FORMAT, "%s line %lld: %s%s", r->path, (long long)r->lineno,
                   fmt, a ? a : "");
}

enum { F_REAL, F_INT, F_PATTERN };

static lr_status read_body(reader *r, lr_dtype t, lr_csr *out)
{
    lr_ctx *ctx = r->ctx;
    char *l = next_line(r);
    if (!l) return lr__err(ctx, LR_ERR_FORMAT, "%s: empty file; expected a "
                           "'%%%%MatrixMarket matrix coordinate real general' header", r->path);
    char banner[64], obj[64], format[64], field[64], sym[64], extra[8];
    int nw = sscanf(l, "%63s %63s %63s %63s %63s %7s", banner, obj, format, field, sym, extra);
    if (nw < 5 || strcmp(banner, "%%MatrixMarket") != 0)
        return fmt_err(r, "not a Matrix Market header (expected '%%MatrixMarket matrix "
                       "coordinate real general')", NULL);
    if (nw > 5) return fmt_err(r, "extra words after the header", NULL);
    if (strcasecmp(obj, "matrix")) return fmt_err(r, "unsupported object ", obj);
    int coord = !strcasecmp(format, "coordinate");
    if (!coord && strcasecmp(format, "array"))
        return fmt_err(r, "unsupported format (coordinate or array): ", format);
    int fld = !strcasecmp(field, "real") ? F_REAL : !strcasecmp(field, "integer") ? F_INT
            : !strcasecmp(field, "pattern") ? F_PATTERN : -1;
    if (fld < 0 || (!coord && fld == F_PATTERN))
        return fmt_err(r, "unsupported field (real, integer or pattern): ", field);
    int symm = !strcasecmp(sym, "symmetric");
    if (!symm && strcasecmp(sym, "general"))
        return fmt_err(r, "unsupported symmetry (general or symmetric): ", sym);
    if (symm && !coord) return fmt_err(r, "a symmetric array file is not supported", NULL);
    /* Comments and blank lines, then the size line. */
    while ((l = next_line(r)) && (l[0] == '%' || blank(l))) {}
    if (!l) return lr__err(ctx, LR_ERR_FORMAT, "%s: the file ends before the size line",
                           r->path);
    int64_t rows, cols, nnz = 0;
    const char *s = l;
    if (!parse_i64(&s, &rows) || !parse_i64(&s, &cols) || (coord && !parse_i64(&s, &nnz)) ||
        !rest_blank(s))
        return fmt_err(r, coord ? "expected the size line 'ROWS COLS ENTRIES'"
                                : "expected the size line 'ROWS COLS'", NULL);
    if (rows < 0 || cols < 0 || nnz < 0) return fmt_err(r, "negative size", NULL);
    if (symm && rows != cols) return fmt_err(r, "a symmetric matrix must be square", NULL);
    const int64_t big = (int64_t)1 << 40;
    if (rows > big || cols > big) return fmt_err(r, "matrix dimensions are absurdly large", NULL);
    /* Entries to hold: declared ones (twice when mirrored), or all of an array. */
    if (!coord) {
        if (cols > 0 && rows > INT64_MAX / 64 / cols)
            return fmt_err(r, "array matrix is too large", NULL);
        nnz = rows * cols;
    } else if (cols > 0 && nnz / cols > rows) {
        return fmt_err(r, "more entries declared than the matrix has positions", NULL);
    }
    int64_t hold = symm ? 2 * nnz : nnz;
    size_t es = lr_dtype_size(t);
    int64_t need = hold <= INT64_MAX / 128 ? hold * (64 + 8 + (int64_t)es) + (rows + 1) * 16
                                           : -1;
    char what[600];
    snprintf(what, sizeof what, "%s: a %lld x %lld matrix with %lld entries", r->path,
             (long long)rows, (long long)cols, (long long)nnz);
    lr_status st = lr_mem_check(ctx, need, 0, what);
    if (st) return st;
    /* The entry arrays grow as lines arrive (doubling, up to what the header
     * declares): a short file cannot make us allocate what it claims. */
    int64_t cap = 0, got = 0, k = 0;
    int64_t *ri = NULL, *ci = NULL;
    double *v = NULL;
    while (got < nnz && (l = next_line(r))) {
        if (k + 2 > cap && cap < hold) {
            int64_t nc = cap ? LR_MIN(hold, 2 * cap) : LR_MIN(hold, 4096);
            int64_t *nri = lr__malloc(ctx, (size_t)nc * 8, "matrix entries");
            int64_t *nci = nri ? lr__malloc(ctx, (size_t)nc * 8, "matrix entries") : NULL;
            double *nv = nci ? lr__malloc(ctx, (size_t)nc * 8, "matrix entries") : NULL;
            if (!nv) {
                lr__free(ctx, nri), lr__free(ctx, nci);
                st = LR_ERR_NOMEM;
                break;
            }
            if (k) {
                memcpy(nri, ri, (size_t)k * 8), memcpy(nci, ci, (size_t)k * 8);
                memcpy(nv, v, (size_t)k * 8);
            }
            lr__free(ctx, ri), lr__free(ctx, ci), lr__free(ctx, v);
            ri = nri, ci = nci, v = nv, cap = nc;
        }
        if (blank(l) || l[0] == '%') continue;
        s = l;
        int64_t i, j;
        double x = 1;
        if (coord) {
            if (!parse_i64(&s, &i) || !parse_i64(&s, &j) ||
                (fld != F_PATTERN && !parse_f64(&s, &x)) || !rest_blank(s)) {
                st = fmt_err(r, fld == F_PATTERN ? "expected 'ROW COL'"
                                                 : "expected 'ROW COL VALUE'", NULL);
                break;
            }
            if (i < 1 || i > rows || j < 1 || j > cols) {
                st = lr__err(ctx, LR_ERR_FORMAT, "%s line %lld: index (%lld, %lld) is outside "
                             "the %lld x %lld matrix (indices start at 1)", r->path,
                             (long long)r->lineno, (long long)i, (long long)j,
                             (long long)rows, (long long)cols);
                break;
            }
            if (symm && j > i) {
                st = fmt_err(r, "a symmetric file stores the lower triangle only; this "
                             "entry is above the diagonal", NULL);
                break;
            }
            i--, j--;
        } else {
            if (!parse_f64(&s, &x) || !rest_blank(s)) {
                st = fmt_err(r, "expected one value", NULL);
                break;
            }
            i = got % (rows ? rows : 1), j = got / (rows ? rows : 1);
        }
        if (!isfinite(x) || (t == LR_F32 && fabs(x) > FLT_MAX)) {
            st = lr__err(ctx, LR_ERR_DATA, "%s line %lld: value %s%s; replace non-finite "
                         "values first", r->path, (long long)r->lineno,
                         isnan(x) ? "is NaN" : isinf(x) ? "is infinite" : "exceeds",
                         isfinite(x) ? " the float32 range (read as f64)" : "");
            break;
        }
        got++;
        if (!coord && x == 0) continue;
        ri[k] = i, ci[k] = j, v[k] = x, k++;
        if (symm && i != j) ri[k] = j, ci[k] = i, v[k] = x, k++;
    }
    if (!st && got < nnz)
        st = lr__err(ctx, LR_ERR_FORMAT, "%s: the header declares %lld entries but the file "
                     "ends after %lld (truncated?)", r->path, (long long)nnz, (long long)got);
    if (!st) {
        while ((l = next_line(r)) && (blank(l) || l[0] == '%')) {}
        if (l) st = fmt_err(r, "more entries than the size line declares", NULL);
    }
    if (!st && ferror(r->f))
        st = lr__err(ctx, LR_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
    if (!st) {
        st = lr_csr_from_triplets(ctx, t, rows, cols, k, ri, ci, v, out);
        if (st) lr__err_prefix(ctx, st, "%s", r->path);
    }
    lr__free(ctx, ri), lr__free(ctx, ci), lr__free(ctx, v);
    return st;
}

lr_status lr_mtx_read(lr_ctx *ctx, const char *path, lr_dtype t, lr_csr *out)
{
    memset(out, 0, sizeof *out);
    if (!lr_dtype_size(t)) return lr__err(ctx, LR_ERR_ARG, "mtx: unknown element type");
    FILE *f = fopen(path, "r");
    if (!f) return lr__err(ctx, LR_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    reader r = {ctx, path, f, NULL, 0, 0};
    lr_status st = read_body(&r, t, out);
    free(r.line);
    fclose(f);
    if (st) lr_csr_free(ctx, out);
    return st;
}

lr_status lr_mtx_write(lr_ctx *ctx, const char *path, const lr_csr *a)
{
    lr_status st = lr_csr_check(ctx, a, path);
    if (st) return st;
    lr_outfile *of;
    if ((st = lr_outfile_open(ctx, path, &of))) return st;
    FILE *f = lr_outfile_fp(of);
    fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%% written by lowrank %s\n"
            "%lld %lld %lld\n", lr_version(), (long long)a->rows, (long long)a->cols,
            (long long)a->nnz);
    for (int64_t i = 0; i < a->rows; i++)
        for (int64_t p = a->indptr[i]; p < a->indptr[i + 1]; p++) {
            if (a->dtype == LR_F32)
                fprintf(f, "%lld %lld %.9g\n", (long long)i + 1, (long long)a->indices[p] + 1,
                        (double)((const float *)a->values)[p]);
            else
                fprintf(f, "%lld %lld %.17g\n", (long long)i + 1, (long long)a->indices[p] + 1,
                        ((const double *)a->values)[p]);
        }
    if (ferror(f)) {
        lr_outfile_abort(of);
        return lr__err(ctx, LR_ERR_IO, "writing %s failed", path);
    }
    return lr_outfile_commit(ctx, of);
}
