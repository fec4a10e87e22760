/* npy.c -- NumPy .npy files: read (format 1.0, 2.0, 3.0) and write (1.0,
 * or 2.0 when the header would not fit), float32/float64, 1-D and 2-D.
 *
 * Layout of a .npy file (NEP 1, numpy/lib/format.py):
 *   "\x93NUMPY" major minor            8 bytes
 *   header length                      uint16 LE (1.0) or uint32 LE (2.0, 3.0)
 *   header                             a Python dict literal such as
 *       {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 *                                      padded with spaces, ending in '\n', so
 *                                      that the data start at a multiple of
 *                                      64 (16 in old files; we accept any)
 *   data                               prod(shape) elements, C (row-major) or
 *                                      Fortran (column-major) order
 *
 * Reading never trusts the header: the shape's byte count is checked for
 * overflow, against max_bytes and against the bytes that actually follow
 * before anything is allocated.  Element loads go through memcpy so that data
 * at any offset (old 16-byte-aligned headers, buffers in memory) are read
 * without unaligned access. */
#include "internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* Longest header we parse.  numpy refuses more than 10000 characters by
 * default; a 2-D float array needs under 128. */
#define NPY_MAX_HEADER (1u << 20)
/* Elements per chunk when converting or transposing (4 MiB of float64). */
#define NPY_CHUNK ((size_t)1 << 19)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NPY_HOST_LE 0
#else
#define NPY_HOST_LE 1
#endif

typedef struct npy_info {
    int major, minor;
    lr_dtype dtype;        /* stored element type */
    int fortran;           /* fortran_order */
    int ndim;              /* 0, 1 or 2 */
    int64_t rows, cols;    /* as a matrix: () -> 1 x 1, (n,) -> n x 1 */
    uint64_t data_off;     /* where the data start */
    uint64_t data_bytes;   /* rows * cols * element size */
} npy_info;

/* ---- little-endian helpers ------------------------------------------- */
static uint32_t rd_u16(const unsigned char *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd_u32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float ld_f32(const unsigned char *p)
{
    uint32_t u = rd_u32(p);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

static double ld_f64(const unsigned char *p)
{
    uint64_t u = (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static void st_le(unsigned char *p, uint64_t u, int n)
{
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static void st_f32(unsigned char *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    st_le(p, u, 4);
}

static void st_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    st_le(p, u, 8);
}

static const char *dtype_long(lr_dtype t) { return t == LR_F32 ? "float32" : "float64"; }

/* "3 x 4", "(5,)" and "()" as the user wrote them, for messages. */
static void shape_str(const npy_info *h, char *buf, size_t n)
{
    if (h->ndim == 0) snprintf(buf, n, "scalar (0-d)");
    else if (h->ndim == 1) snprintf(buf, n, "%lld-element", (long long)h->rows);
    else snprintf(buf, n, "%lld x %lld", (long long)h->rows, (long long)h->cols);
}

/* ---- header dict parser -----------------------------------------------
 * A small parser for the subset of Python literals a .npy header uses:
 * a dict of string keys to a string, a bool, or a tuple of integers; keys in
 * any order, any whitespace, trailing commas, Python 2 'L' suffixes.  It
 * refuses everything else with a message that quotes what it found. */
typedef struct hparse {
    const char *p, *end;
    const char *name;      /* file name, for messages */
    lr_ctx *ctx;
} hparse;

static void hp_ws(hparse *hp)
{
    while (hp->p < hp->end && (*hp->p == ' ' || *hp->p == '\t' || *hp->p == '\n' ||
                               *hp->p == '\r'))
        hp->p++;
}

static lr_status hp_fail(hparse *hp, const char *what)
{
    int left = (int)LR_MIN(hp->end - hp->p, 24);
    char near[64];
    int k = 0;
    for (int i = 0; i < left && k < 60; i++) {
        unsigned char c = (unsigned char)hp->p[i];
        near[k++] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    near[k] = 0;
    return lr__err(hp->ctx, LR_ERR_FORMAT,
                   "%s: malformed .npy header: %s (at \"%s\"); the file is damaged "
                   "or was not written by numpy.save", hp->name, what,
                   k ? near : "end of header");
}

/* A quoted string (single or double quotes, optional u/b prefix, no escapes
 * needed by any valid key or dtype).  Copies at most n-1 bytes to out. */
static lr_status hp_string(hparse *hp, char *out, size_t n)
{
    hp_ws(hp);
    if (hp->p < hp->end && (*hp->p == 'u' || *hp->p == 'b') && hp->p + 1 < hp->end &&
        (hp->p[1] == '\'' || hp->p[1] == '"'))
        hp->p++;
    if (hp->p >= hp->end || (*hp->p != '\'' && *hp->p != '"'))
        return hp_fail(hp, "expected a quoted string");
    char q = *hp->p++;
    size_t k = 0;
    while (hp->p < hp->end && *hp->p != q) {
        if (*hp->p == '\\' || *hp->p == '\n') return hp_fail(hp, "unexpected character in a string");
        if (k + 1 < n) out[k++] = *hp->p;
        hp->p++;
    }
    if (hp->p >= hp->end) return hp_fail(hp, "unterminated string");
    hp->p++;
    out[k] = 0;
    return LR_OK;
}

static int hp_word(hparse *hp, const char *w)
{
    size_t l = strlen(w);
    if ((size_t)(hp->end - hp->p) < l || memcmp(hp->p, w, l)) return 0;
    const char *q = hp->p + l;
    if (q < hp->end && (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                        (*q >= '0' && *q <= '9')))
        return 0;
    hp->p = q;
    return 1;
}

/* A tuple of non-negative integers; at most 2 kept, the count in *ndim. */
static lr_status hp_shape(hparse *hp, int64_t dims[2], int *ndim)
{
    hp_ws(hp);
    if (hp->p >= hp->end || *hp->p != '(') {
        if (hp->p < hp->end && *hp->p == '[')
            return hp_fail(hp, "'shape' must be a tuple, found a list");
        return hp_fail(hp, "'shape' must be a tuple such as (3, 4)");
    }
    hp->p++;
    int nd = 0;
    for (;;) {
        hp_ws(hp);
        if (hp->p < hp->end && *hp->p == ')') break;
        int neg = 0;
        if (hp->p < hp->end && *hp->p == '-') neg = 1, hp->p++;
        if (hp->p >= hp->end || *hp->p < '0' || *hp->p > '9')
            return hp_fail(hp, "'shape' entries must be integers");
        const char *start = hp->p;
        uint64_t v = 0;
        int over = 0;
        while (hp->p < hp->end && *hp->p >= '0' && *hp->p <= '9') {
            unsigned d = (unsigned)(*hp->p++ - '0');
            if (v > ((uint64_t)INT64_MAX - d) / 10) over = 1;
            else v = v * 10 + d;
        }
        if (hp->p < hp->end && (*hp->p == 'L' || *hp->p == 'l')) hp->p++;
        if (neg)
            return lr__err(hp->ctx, LR_ERR_FORMAT,
                           "%s: the header declares a negative size (-%.*s) in its "
                           "shape; the file is damaged", hp->name,
                           (int)LR_MIN(hp->p - start, 30), start);
        if (over)
            return lr__err(hp->ctx, LR_ERR_FORMAT,
                           "%s: the header declares a size (%.*s) that does not fit in "
                           "64 bits; the file is damaged", hp->name,
                           (int)LR_MIN(hp->p - start, 40), start);
        if (nd < 2) dims[nd] = (int64_t)v;
        if (nd < 64) nd++;
        hp_ws(hp);
        if (hp->p < hp->end && *hp->p == ',') {
            hp->p++;
            continue;
        }
        hp_ws(hp);
        if (hp->p < hp->end && *hp->p == ')') break;
        return hp_fail(hp, "expected ',' or ')' in 'shape'");
    }
    hp->p++;
    *ndim = nd;
    return LR_OK;
}

/* Maps a descr string to our element type, or explains the refusal. */
static lr_status parse_descr(lr_ctx *ctx, const char *name, const char *d, lr_dtype *t)
{
    char order = 0;
    const char *s = d;
    if (*s == '<' || *s == '>' || *s == '=' || *s == '|') order = *s++;
    int ok32 = !strcmp(s, "f4") || !strcmp(s, "f") || !strcmp(s, "float32");
    int ok64 = !strcmp(s, "f8") || !strcmp(s, "d") || !strcmp(s, "float64");
    /* '=' is the writer's native order; every platform numpy writes from
     * today is little-endian, and numpy itself never writes '=' (it resolves
     * it to '<' or '>'), so we read it as little-endian. */
    if ((ok32 || ok64) && order == '>')
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: big-endian data ('%s') is not supported; convert it "
                       "with numpy: np.save(path, a.astype('<%s'))", name, d,
                       ok32 ? "f4" : "f8");
    if (ok32) { *t = LR_F32; return LR_OK; }
    if (ok64) { *t = LR_F64; return LR_OK; }
    const char *kind = "an unsupported element type";
    switch (*s) {
    case 'i': case 'u': case 'b': case '?': kind = "integer or boolean data"; break;
    case 'c': kind = "complex data"; break;
    case 'O': kind = "an object array (pickled Python objects)"; break;
    case 'U': case 'S': case 'a': kind = "string data"; break;
    case 'V': kind = "raw or structured records"; break;
    case 'M': case 'm': kind = "date/time data"; break;
    case 'f': kind = "a floating-point width other than 32 or 64 bits"; break;
    }
    return lr__err(ctx, LR_ERR_FORMAT,
                   "%s: element type '%s' is %s; only float32 ('<f4') and float64 "
                   "('<f8') are supported: convert with a.astype(np.float64)",
                   name, d, kind);
}

/* Parses the header text hdr[0..len) into h (shape, dtype, order). */
static lr_status parse_dict(lr_ctx *ctx, const char *name, const char *hdr, size_t len,
                            npy_info *h)
{
    hparse hp = {hdr, hdr + len, name, ctx};
    int have_descr = 0, have_order = 0, have_shape = 0;
    char descr[64] = "";
    int64_t dims[2] = {0, 0};
    int nd = 0;
    lr_status s;
    hp_ws(&hp);
    if (hp.p >= hp.end || *hp.p != '{') return hp_fail(&hp, "expected '{'");
    hp.p++;
    for (;;) {
        hp_ws(&hp);
        if (hp.p < hp.end && *hp.p == '}') break;
        char key[32];
        if ((s = hp_string(&hp, key, sizeof key))) return s;
        hp_ws(&hp);
        if (hp.p >= hp.end || *hp.p != ':') return hp_fail(&hp, "expected ':' after a key");
        hp.p++;
        hp_ws(&hp);
        if (!strcmp(key, "descr")) {
            if (have_descr++) return hp_fail(&hp, "'descr' appears twice");
            if (hp.p < hp.end && *hp.p == '[')
                return lr__err(ctx, LR_ERR_FORMAT,
                               "%s: structured (record) arrays are not supported; save "
                               "a plain float32 or float64 matrix", name);
            if ((s = hp_string(&hp, descr, sizeof descr))) return s;
        } else if (!strcmp(key, "fortran_order")) {
            if (have_order++) return hp_fail(&hp, "'fortran_order' appears twice");
            if (hp_word(&hp, "True")) h->fortran = 1;
            else if (hp_word(&hp, "False")) h->fortran = 0;
            else return hp_fail(&hp, "'fortran_order' must be True or False");
        } else if (!strcmp(key, "shape")) {
            if (have_shape++) return hp_fail(&hp, "'shape' appears twice");
            if ((s = hp_shape(&hp, dims, &nd))) return s;
        } else {
            return lr__err(ctx, LR_ERR_FORMAT,
                           "%s: malformed .npy header: unexpected key '%s' (a .npy "
                           "header has exactly 'descr', 'fortran_order' and 'shape')",
                           name, key);
        }
        hp_ws(&hp);
        if (hp.p < hp.end && *hp.p == ',') {
            hp.p++;
            continue;
        }
        hp_ws(&hp);
        if (hp.p < hp.end && *hp.p == '}') break;
        return hp_fail(&hp, "expected ',' or '}'");
    }
    hp.p++;
    hp_ws(&hp);
    if (hp.p != hp.end) return hp_fail(&hp, "unexpected text after the dictionary");
    if (!have_descr || !have_order || !have_shape)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: malformed .npy header: the key '%s' is missing", name,
                       !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    if ((s = parse_descr(ctx, name, descr, &h->dtype))) return s;
    if (nd > 2)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: the array has %d dimensions; only 1-D and 2-D arrays "
                       "(matrices) are supported: reshape it to 2-D first", name, nd);
    h->ndim = nd;
    h->rows = nd == 0 ? 1 : dims[0];
    h->cols = nd == 2 ? dims[1] : 1;
    return LR_OK;
}

/* Parses the preamble and header at the start of buf (avail bytes).
 * *need receives the number of bytes the preamble+header occupy; when
 * avail < *need the caller must supply more and call again (LR_OK with
 * *need > avail).  On success fills h and h->data_off. */
static lr_status parse_header(lr_ctx *ctx, const char *name, const unsigned char *buf,
                              size_t avail, uint64_t total, npy_info *h, size_t *need)
{
    memset(h, 0, sizeof *h);
    if (total == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "%s: the file is empty; expected a NumPy "
                       ".npy file", name);
    size_t cmp = LR_MIN(avail, (size_t)NPY_MAGIC_LEN);
    if (memcmp(buf, NPY_MAGIC, cmp) || (avail < NPY_MAGIC_LEN && total <= avail)) {
        if (avail >= 2 && buf[0] == 'P' && buf[1] == 'K')
            return lr__err(ctx, LR_ERR_FORMAT,
                           "%s: this is a zip archive (.npz?), not a .npy file; extract "
                           "one array with numpy and save it with np.save", name);
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: not a NumPy .npy file (it does not start with "
                       "\"\\x93NUMPY\"); save the matrix with numpy.save", name);
    }
    if (avail < 10) {
        *need = 12;
        if (total <= avail)
            return lr__err(ctx, LR_ERR_FORMAT, "%s: the file is truncated inside "
                           "its .npy header (%llu bytes)", name,
                           (unsigned long long)total);
        return LR_OK;
    }
    h->major = buf[6], h->minor = buf[7];
    if (!((h->major == 1 || h->major == 2 || h->major == 3) && h->minor == 0))
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: .npy format version %d.%d is not supported (this reader "
                       "knows 1.0, 2.0 and 3.0)", name, h->major, h->minor);
    size_t pre = h->major == 1 ? 10 : 12;
    if (avail < pre) {
        *need = pre;
        if (total <= avail)
            return lr__err(ctx, LR_ERR_FORMAT, "%s: the file is truncated inside "
                           "its .npy header", name);
        return LR_OK;
    }
    uint32_t hlen = h->major == 1 ? rd_u16(buf + 8) : rd_u32(buf + 8);
    if (hlen > NPY_MAX_HEADER)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: the .npy header claims %u bytes (more than %u); the file "
                       "is damaged", name, hlen, NPY_MAX_HEADER);
    *need = pre + hlen;
    if ((uint64_t)pre + hlen > total)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: the file is truncated inside its .npy header (header "
                       "declares %u bytes, only %llu follow)", name, hlen,
                       (unsigned long long)(total - pre));
    if (avail < *need) return LR_OK;
    lr_status s = parse_dict(ctx, name, (const char *)buf + pre, hlen, h);
    if (s) return s;
    h->data_off = pre + hlen;
    size_t es = lr_dtype_size(h->dtype);
    size_t b = lr__bytes(h->rows, h->cols, es);
    char sh[64];
    shape_str(h, sh, sizeof sh);
    if (b == SIZE_MAX || b > (size_t)INT64_MAX)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: the header declares %s %s, which does not fit in memory "
                       "(the byte count overflows); the file is damaged", name, sh,
                       dtype_long(h->dtype));
    /* An empty array costs no memory, but code that walks its columns (or
     * rows) still loops over the other dimension: a header claiming
     * (0, 10^12) would make a finite-check spin for minutes.  Such a header
     * is damaged; real empty arrays are small in both directions. */
    if (b == 0 && (h->rows > LR_LAPACK_MAX || h->cols > LR_LAPACK_MAX))
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: the header declares an empty %lld x %lld array (a dimension "
                       "over 2^31-1 with no elements); the file is damaged", name,
                       (long long)h->rows, (long long)h->cols);
    h->data_bytes = b;
    return LR_OK;
}

/* ---- data loading ------------------------------------------------------
 * A source yields the data bytes in file order: from memory (pointer into
 * the caller's buffer, no copy) or from a FILE (into a scratch buffer). */
typedef struct npy_src {
    FILE *fp;
    const unsigned char *mem;
    size_t pos, len;       /* memory source */
} npy_src;

/* Returns a pointer to the next n bytes, or NULL on a short read. */
static const unsigned char *src_get(npy_src *s, unsigned char *scratch, size_t n)
{
    if (s->mem) {
        if (s->len - s->pos < n) return NULL;
        const unsigned char *p = s->mem + s->pos;
        s->pos += n;
        return p;
    }
    return fread(scratch, 1, n, s->fp) == n ? scratch : NULL;
}

/* Converts n contiguous stored elements to dst (any element types). */
static void convert_run(const unsigned char *src, lr_dtype st, void *dst, lr_dtype dt,
                        size_t n)
{
    if (dt == LR_F64) {
        double *d = dst;
        if (st == LR_F64) for (size_t i = 0; i < n; i++) d[i] = ld_f64(src + 8 * i);
        else for (size_t i = 0; i < n; i++) d[i] = ld_f32(src + 4 * i);
    } else {
        float *d = dst;
        if (st == LR_F64) for (size_t i = 0; i < n; i++) d[i] = (float)ld_f64(src + 8 * i);
        else for (size_t i = 0; i < n; i++) d[i] = ld_f32(src + 4 * i);
    }
}

/* Transposes a panel of nr stored rows (row-major, n elements each) into
 * rows r0..r0+nr-1 of the column-major out (leading dimension ld).  32 x 32 tiles keep both sides in
 * cache; column tiles are independent, so they run in parallel. */
#define NPY_TILE 32
#define DEF_TRANSPOSE(NAME, DT, LOAD, ES)                                          \
    static void NAME(lr_ctx *ctx, const unsigned char *src, int64_t nr, int64_t n, \
                     DT *out, int64_t ld, int64_t r0)                              \
    {                                                                              \
        int64_t ntiles = (n + NPY_TILE - 1) / NPY_TILE;                            \
        int nthr = lr__threads(ctx), big = nr * n > 65536;                         \
        _Pragma("omp parallel for schedule(static) num_threads(nthr) if (big)")   \
        for (int64_t t = 0; t < ntiles; t++) {                                     \
            int64_t j0 = t * NPY_TILE, j1 = LR_MIN(j0 + NPY_TILE, n);              \
            for (int64_t i0 = 0; i0 < nr; i0 += NPY_TILE) {                        \
                int64_t i1 = LR_MIN(i0 + NPY_TILE, nr);                            \
                for (int64_t j = j0; j < j1; j++) {                                \
                    DT *o = out + j * ld + r0;                                     \
                    for (int64_t i = i0; i < i1; i++)                              \
                        o[i] = (DT)LOAD(src + (size_t)(i * n + j) * ES);           \
                }                                                                  \
            }                                                                      \
        }                                                                          \
    }
DEF_TRANSPOSE(tr_d_d, double, ld_f64, 8)
DEF_TRANSPOSE(tr_s_d, double, ld_f32, 4)
DEF_TRANSPOSE(tr_d_s, float, ld_f64, 8)
DEF_TRANSPOSE(tr_s_s, float, ld_f32, 4)

static void transpose_panel(lr_ctx *ctx, const unsigned char *src, lr_dtype st,
                            int64_t nr, int64_t n, lr_mat *out, int64_t r0)
{
    if (out->dtype == LR_F64) {
        if (st == LR_F64) tr_d_d(ctx, src, nr, n, out->data, out->ld, r0);
        else tr_s_d(ctx, src, nr, n, out->data, out->ld, r0);
    } else {
        if (st == LR_F64) tr_d_s(ctx, src, nr, n, out->data, out->ld, r0);
        else tr_s_s(ctx, src, nr, n, out->data, out->ld, r0);
    }
}

/* Fills out (already allocated, rows x cols, ld = rows) from src. */
static lr_status load_data(lr_ctx *ctx, const char *name, const npy_info *h, npy_src *src,
                           lr_mat *out)
{
    size_t es = lr_dtype_size(h->dtype), eo = lr_dtype_size(out->dtype);
    int64_t m = h->rows, n = h->cols;
    /* One row or one column: C and Fortran order are the same bytes. */
    int colmajor = h->fortran || m <= 1 || n <= 1;
    uint64_t total = (uint64_t)m * (uint64_t)n;
    if (total == 0) return LR_OK;
    unsigned char *scratch = NULL;
    lr_status s = LR_OK;
    const unsigned char *p;

    if (colmajor && h->dtype == out->dtype && NPY_HOST_LE) {
        /* The common case: straight into the matrix, no copy. */
        if (src->mem) {
            if (!(p = src_get(src, NULL, (size_t)h->data_bytes))) goto short_read;
            memcpy(out->data, p, (size_t)h->data_bytes);
        } else {
            unsigned char *d = out->data;
            size_t left = (size_t)h->data_bytes, step = (size_t)1 << 26;
            for (size_t done = 0; left; ) {
                size_t k = LR_MIN(left, step);
                if (fread(d + done, 1, k, src->fp) != k) goto short_read;
                done += k, left -= k;
                if ((s = lr__progress(ctx, "read", (double)done / (double)h->data_bytes,
                                      "%s", name)))
                    return s;
            }
        }
        return LR_OK;
    }

    if (colmajor) {
        /* Convert element type (or byte order) chunk by chunk. */
        if (!src->mem && !(scratch = lr__malloc(ctx, NPY_CHUNK * es, "read buffer")))
            return LR_ERR_NOMEM;
        for (uint64_t done = 0; done < total; ) {
            size_t k = (size_t)LR_MIN(total - done, (uint64_t)NPY_CHUNK);
            if (!(p = src_get(src, scratch, k * es))) goto short_read;
            convert_run(p, h->dtype, (char *)out->data + done * eo, out->dtype, k);
            done += k;
            if ((s = lr__progress(ctx, "read", (double)done / (double)total, "%s", name)))
                break;
        }
        lr__free(ctx, scratch);
        return s;
    }

    /* C order: stored row i is row i of the matrix.  Read panels of whole rows
     * and transpose them; a row longer than a chunk is read in pieces and
     * scattered (stride m writes, but then m is small relative to n). */
    if ((uint64_t)n <= NPY_CHUNK) {
        int64_t pr = (int64_t)(NPY_CHUNK / (size_t)n);
        if (pr > m) pr = m;
        if (!src->mem && !(scratch = lr__malloc(ctx, (size_t)(pr * n) * es, "read buffer")))
            return LR_ERR_NOMEM;
        for (int64_t r0 = 0; r0 < m; r0 += pr) {
            int64_t nr = LR_MIN(pr, m - r0);
            if (!(p = src_get(src, scratch, (size_t)(nr * n) * es))) goto short_read;
            transpose_panel(ctx, p, h->dtype, nr, n, out, r0);
            if ((s = lr__progress(ctx, "read", (double)(r0 + nr) / (double)m, "%s", name)))
                break;
        }
    } else {
        if (!src->mem && !(scratch = lr__malloc(ctx, NPY_CHUNK * es, "read buffer")))
            return LR_ERR_NOMEM;
        for (int64_t i = 0; i < m && !s; i++) {
            for (int64_t j0 = 0; j0 < n; j0 += (int64_t)NPY_CHUNK) {
                int64_t k = LR_MIN((int64_t)NPY_CHUNK, n - j0);
                if (!(p = src_get(src, scratch, (size_t)k * es))) goto short_read;
                lr_mat col = lr_mat_block(out, 0, j0, m, k);
                /* one stored row piece = a 1 x k panel */
                transpose_panel(ctx, p, h->dtype, 1, k, &col, i);
            }
            s = lr__progress(ctx, "read", (double)(i + 1) / (double)m, "%s", name);
        }
    }
    lr__free(ctx, scratch);
    return s;

short_read:
    lr__free(ctx, scratch);
    if (src->fp && ferror(src->fp))
        return lr__err(ctx, LR_ERR_IO, "%s: read error (%s)", name, strerror(errno));
    {
        char sh[64];
        shape_str(h, sh, sizeof sh);
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: data is truncated: the file ended before the %s %s "
                       "data (%llu bytes) were read", name, sh, dtype_long(h->dtype),
                       (unsigned long long)h->data_bytes);
    }
}

/* Checks the declared size against the limit and what follows the header,
 * then allocates out: everything that can refuse the file runs first. */
static lr_status check_and_alloc(lr_ctx *ctx, const char *name, const npy_info *h,
                                 int want, int64_t max_bytes, int64_t avail,
                                 lr_mat *out)
{
    char sh[64];
    shape_str(h, sh, sizeof sh);
    if (avail >= 0 && (uint64_t)avail < h->data_bytes)
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s: data is truncated: header declares %s %s (%llu bytes) but "
                       "only %lld bytes follow", name, sh, dtype_long(h->dtype),
                       (unsigned long long)h->data_bytes, (long long)avail);
    lr_dtype t = want ? (lr_dtype)want : h->dtype;
    size_t ob = lr__bytes(h->rows, h->cols, lr_dtype_size(t));
    if (ob == SIZE_MAX)
        return lr__err(ctx, LR_ERR_FORMAT, "%s: %s %s does not fit in memory", name, sh,
                       dtype_long(t));
    if (max_bytes > 0 && ob > (uint64_t)max_bytes)
        return lr__err(ctx, LR_ERR_DATA,
                       "%s: the %s %s array needs %llu bytes, more than the limit of "
                       "%lld bytes", name, sh, dtype_long(t), (unsigned long long)ob,
                       (long long)max_bytes);
    char what[400];
    snprintf(what, sizeof what, "'%.300s' (%s %s)", name, sh, dtype_long(t));
    lr_status s = lr__mem_reader(ctx, h->rows, h->cols, 1, t, what);
    if (s) return s;
    void *p = lr__malloc(ctx, ob, name);
    if (!p) return LR_ERR_NOMEM;
    *out = lr_mat_view(t, h->rows, h->cols, h->rows > 0 ? h->rows : 1, p);
    return LR_OK;
}

static lr_status check_want(lr_ctx *ctx, int want)
{
    if (want != 0 && want != LR_F32 && want != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "npy: unknown element type %d requested "
                       "(use 0, LR_F32 or LR_F64)", want);
    return LR_OK;
}

lr_status lr_npy_read_mem(lr_ctx *ctx, const void *buf, size_t len, const char *name,
                          int want, int64_t max_bytes, lr_mat *out)
{
    memset(out, 0, sizeof *out);
    if (!name) name = "(memory)";
    lr_status s = check_want(ctx, want);
    if (s) return s;
    if (!buf && len) return lr__err(ctx, LR_ERR_ARG, "%s: buffer is NULL", name);
    npy_info h;
    size_t need = 0;
    if ((s = parse_header(ctx, name, buf, len, len, &h, &need))) return s;
    if (need > len || !h.data_off) /* parse_header refuses short input; defensive */
        return lr__err(ctx, LR_ERR_FORMAT, "%s: the .npy header is truncated", name);
    int64_t avail = (int64_t)(len - h.data_off);
    if ((s = check_and_alloc(ctx, name, &h, want, max_bytes, avail, out))) return s;
    npy_src src = {NULL, buf, (size_t)h.data_off, len};
    if ((s = load_data(ctx, name, &h, &src, out))) {
        lr_mat_free(ctx, out);
        return s;
    }
    if ((uint64_t)avail > h.data_bytes)
        lr__log(ctx, 1, "%s: %llu bytes after the array data were ignored", name,
                (unsigned long long)((uint64_t)avail - h.data_bytes));
    return LR_OK;
}

/* Opens path and parses its header: *fpo is positioned at the data, *fsize
 * is the file size (-1 when unknown: pipes, devices). */
static lr_status open_npy(lr_ctx *ctx, const char *path, FILE **fpo, npy_info *h,
                          int64_t *fsize_out)
{
    *fpo = NULL;
    lr_status s;
    if (!path || !*path) return lr__err(ctx, LR_ERR_ARG, "npy: no file name given");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return lr__err(ctx, LR_ERR_IO, "cannot open '%s' (%s)", path, strerror(errno));
    struct stat st;
    int64_t fsize = -1;   /* unknown for pipes and devices */
    if (fstat(fileno(fp), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fclose(fp);
            return lr__err(ctx, LR_ERR_IO, "'%s' is a folder, not a .npy file", path);
        }
        if (S_ISREG(st.st_mode)) fsize = (int64_t)st.st_size;
    }
    /* The header: read the preamble, then as much as it declares. */
    unsigned char small[128], *hbuf = small;
    size_t have = 0, need = 12;
    uint64_t total = fsize >= 0 ? (uint64_t)fsize : UINT64_MAX;
    for (;;) {
        if (need > sizeof small && hbuf == small) {
            if (!(hbuf = lr__malloc(ctx, need, "npy header"))) {
                fclose(fp);
                return LR_ERR_NOMEM;
            }
            memcpy(hbuf, small, have);
        }
        size_t got = fread(hbuf + have, 1, need - have, fp);
        if (ferror(fp)) {
            s = lr__err(ctx, LR_ERR_IO, "%s: read error (%s)", path, strerror(errno));
            break;
        }
        have += got;
        if (have < need) total = have; /* end of file reached early */
        size_t need2 = 0;
        s = parse_header(ctx, path, hbuf, have, total, h, &need2);
        if (s || h->data_off) break;
        if (need2 <= have) { /* defensive: parse_header always asks for more */
            s = lr__err(ctx, LR_ERR_INTERNAL, "%s: header parse stalled", path);
            break;
        }
        need = need2;
    }
    if (hbuf != small) lr__free(ctx, hbuf);
    if (s) {
        fclose(fp);
        return s;
    }
    *fpo = fp;
    *fsize_out = fsize;
    return LR_OK;
}

lr_status lr_npy_read(lr_ctx *ctx, const char *path, int want, int64_t max_bytes,
                      lr_mat *out)
{
    memset(out, 0, sizeof *out);
    lr_status s = check_want(ctx, want);
    if (s) return s;
    FILE *fp;
    npy_info h;
    int64_t fsize;
    if ((s = open_npy(ctx, path, &fp, &h, &fsize))) return s;
    int64_t avail = fsize >= 0 ? fsize - (int64_t)h.data_off : -1;
    if ((s = check_and_alloc(ctx, path, &h, want, max_bytes, avail, out))) {
        fclose(fp);
        return s;
    }
    npy_src src = {fp, NULL, 0, 0};
    s = load_data(ctx, path, &h, &src, out);
    fclose(fp);
    if (s) {
        lr_mat_free(ctx, out);
        return s;
    }
    if (avail >= 0 && (uint64_t)avail > h.data_bytes)
        lr__log(ctx, 1, "%s: %llu bytes after the array data were ignored", path,
                (unsigned long long)((uint64_t)avail - h.data_bytes));
    return LR_OK;
}

lr_status lr_npy_shape(lr_ctx *ctx, const char *path, int64_t *rows, int64_t *cols,
                       lr_dtype *dtype)
{
    FILE *fp;
    npy_info h;
    int64_t fsize;
    lr_status s = open_npy(ctx, path, &fp, &h, &fsize);
    if (s) return s;
    fclose(fp);
    int64_t avail = fsize >= 0 ? fsize - (int64_t)h.data_off : -1;
    if (avail >= 0 && (uint64_t)avail < h.data_bytes) {
        char sh[64];
        shape_str(&h, sh, sizeof sh);
        return lr__err(ctx, LR_ERR_FORMAT, "%s: data is truncated: header declares %s %s "
                       "(%llu bytes) but only %lld bytes follow", path, sh,
                       dtype_long(h.dtype), (unsigned long long)h.data_bytes, (long long)avail);
    }
    if (rows) *rows = h.rows;
    if (cols) *cols = h.cols;
    if (dtype) *dtype = h.dtype;
    return LR_OK;
}

lr_status lr_npy_read_rows(lr_ctx *ctx, const char *path, int want, int64_t row0,
                           int64_t nrows, lr_mat *out)
{
    memset(out, 0, sizeof *out);
    lr_status s = check_want(ctx, want);
    if (s) return s;
    FILE *fp;
    npy_info h;
    int64_t fsize;
    if ((s = open_npy(ctx, path, &fp, &h, &fsize))) return s;
    int64_t avail = fsize >= 0 ? fsize - (int64_t)h.data_off : -1;
    if (row0 < 0 || nrows < 0 || row0 + nrows > h.rows) {
        fclose(fp);
        return lr__err(ctx, LR_ERR_ARG, "%s: rows %lld..%lld are outside its %lld rows", path,
                       (long long)row0, (long long)(row0 + nrows - 1), (long long)h.rows);
    }
    /* The band as an array of its own: check_and_alloc's size and
     * truncation checks on the whole file first. */
    npy_info band = h;
    band.rows = nrows;
    band.data_bytes = (uint64_t)nrows * (uint64_t)h.cols * lr_dtype_size(h.dtype);
    if (avail >= 0 && (uint64_t)avail < h.data_bytes) {
        fclose(fp);
        char sh[64];
        shape_str(&h, sh, sizeof sh);
        return lr__err(ctx, LR_ERR_FORMAT, "%s: data is truncated: header declares %s %s "
                       "(%llu bytes) but only %lld bytes follow", path, sh,
                       dtype_long(h.dtype), (unsigned long long)h.data_bytes, (long long)avail);
    }
    if ((s = check_and_alloc(ctx, path, &band, want, 0, -1, out))) {
        fclose(fp);
        return s;
    }
    const size_t es = lr_dtype_size(h.dtype), eo = lr_dtype_size(out->dtype);
    const int colmajor = h.fortran || h.rows <= 1 || h.cols <= 1;
    npy_src src = {fp, NULL, 0, 0};
    if (nrows == 0 || h.cols == 0) {
        s = LR_OK;
    } else if (!colmajor) {
        /* C order: the band's rows are one contiguous range of the file. */
        if (fseeko(fp, (off_t)(h.data_off + (uint64_t)row0 * h.cols * es), SEEK_SET))
            s = lr__err(ctx, LR_ERR_IO, "%s: cannot seek (%s)", path, strerror(errno));
        else
            s = load_data(ctx, path, &band, &src, out);
    } else {
        /* Fortran order: one contiguous run of nrows elements per column. */
        unsigned char *scratch = lr__malloc(ctx, (size_t)nrows * es, "read buffer");
        if (!scratch) s = LR_ERR_NOMEM;
        for (int64_t j = 0; j < h.cols && !s; j++) {
            if (fseeko(fp, (off_t)(h.data_off + ((uint64_t)j * h.rows + row0) * es), SEEK_SET) ||
                fread(scratch, 1, (size_t)nrows * es, fp) != (size_t)nrows * es)
                s = lr__err(ctx, LR_ERR_IO, "%s: read error in column %lld (%s)", path,
                            (long long)j, ferror(fp) ? strerror(errno) : "short file");
            else
                convert_run(scratch, h.dtype, (char *)out->data + (size_t)j * out->ld * eo,
                            out->dtype, (size_t)nrows);
        }
        lr__free(ctx, scratch);
    }
    fclose(fp);
    if (s) lr_mat_free(ctx, out);
    return s;
}

/* ---- writing ---------------------------------------------------------- */

/* Builds the preamble + header for the given descr/shape text into buf
 * (at least 256 bytes); returns its length (a multiple of 64). */
static size_t make_header(unsigned char *buf, size_t cap, lr_dtype t, const char *shape)
{
    char dict[200];
    int dl = snprintf(dict, sizeof dict,
                      "{'descr': '%s', 'fortran_order': True, 'shape': %s, }",
                      t == LR_F32 ? "<f4" : "<f8", shape);
    /* Version 1.0 unless the header length does not fit 16 bits (it always
     * does for 1-D/2-D; kept for completeness). */
    int v2 = dl + 1 + 10 + 64 > 65535;
    size_t pre = v2 ? 12 : 10;
    size_t total = (pre + (size_t)dl + 1 + 63) / 64 * 64;
    if (total > cap) return 0;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = v2 ? 2 : 1;
    buf[7] = 0;
    st_le(buf + 8, total - pre, v2 ? 4 : 2);
    memcpy(buf + pre, dict, (size_t)dl);
    memset(buf + pre + dl, ' ', total - pre - (size_t)dl - 1);
    buf[total - 1] = '\n';
    return total;
}

/* What to write after the header: the columns of m, or the vector v
 * converted to t. */
typedef struct wjob {
    const lr_mat *m;
    const double *v;
    int64_t n;
    lr_dtype t;
} wjob;

static int write_data(lr_ctx *ctx, FILE *fp, const wjob *job)
{
    size_t es = lr_dtype_size(job->t);
    const lr_mat *m = job->m;
    uint64_t count = m ? (uint64_t)m->rows * (uint64_t)m->cols : (uint64_t)job->n;
    if (!count) return 1;
    if (!m && job->t == LR_F64 && NPY_HOST_LE)
        return fwrite(job->v, 8, (size_t)count, fp) == (size_t)count;
    if (m && NPY_HOST_LE) {
        /* Each column is contiguous: the memory is the file. */
        if (m->ld == m->rows || m->cols == 1)
            return fwrite(m->data, es, (size_t)count, fp) == (size_t)count;
        for (int64_t j = 0; j < m->cols; j++)
            if (fwrite((const char *)m->data + (size_t)(j * m->ld) * es, es,
                       (size_t)m->rows, fp) != (size_t)m->rows)
                return 0;
        return 1;
    }
    unsigned char *buf = lr__malloc(ctx, NPY_CHUNK * es, "write buffer");
    if (!buf) return -1;
    int ok = 1;
    for (uint64_t done = 0; ok && done < count; ) {
        size_t k = (size_t)LR_MIN(count - done, (uint64_t)NPY_CHUNK);
        for (size_t e = 0; e < k; e++) {
            uint64_t idx = done + e;
            double x = m ? lr_mat_get(m, (int64_t)(idx % (uint64_t)m->rows),
                                      (int64_t)(idx / (uint64_t)m->rows))
                         : job->v[idx];
            if (job->t == LR_F32) st_f32(buf + 4 * e, (float)x);
            else st_f64(buf + 8 * e, x);
        }
        ok = fwrite(buf, es, k, fp) == k;
        done += k;
    }
    lr__free(ctx, buf);
    return ok;
}

static lr_status write_file(lr_ctx *ctx, const char *path, const unsigned char *hdr,
                            size_t hl, const wjob *job)
{
    lr_outfile *f;
    lr_status s = lr_outfile_open(ctx, path, &f);
    if (s) return s;
    FILE *fp = lr_outfile_fp(f);
    int ok = fwrite(hdr, 1, hl, fp) == hl;
    if (ok) ok = write_data(ctx, fp, job);
    if (ok < 0) {            /* out of memory: message already set */
        lr_outfile_abort(f);
        return LR_ERR_NOMEM;
    }
    if (!ok) {
        int e = errno;
        lr_outfile_abort(f);
        return lr__err(ctx, LR_ERR_IO, "writing '%s' failed (%s); the previous file, "
                       "if any, is unchanged", path, strerror(e));
    }
    return lr_outfile_commit(ctx, f);
}

lr_status lr_npy_write(lr_ctx *ctx, const char *path, const lr_mat *m)
{
    lr_status s = lr_mat_check(ctx, m, path ? path : "npy");
    if (s) return s;
    char shape[64];
    snprintf(shape, sizeof shape, "(%lld, %lld)", (long long)m->rows, (long long)m->cols);
    unsigned char hdr[256];
    size_t hl = make_header(hdr, sizeof hdr, m->dtype, shape);
    wjob job = {m, NULL, 0, m->dtype};
    return write_file(ctx, path, hdr, hl, &job);
}

lr_status lr_npy_write_vector(lr_ctx *ctx, const char *path, const double *v, int64_t n,
                              lr_dtype t)
{
    if (!lr_dtype_size(t))
        return lr__err(ctx, LR_ERR_ARG, "%s: unknown element type %d", path, (int)t);
    if (n < 0 || (n > 0 && !v))
        return lr__err(ctx, LR_ERR_ARG, "%s: bad vector (length %lld)", path,
                       (long long)n);
    char shape[64];
    snprintf(shape, sizeof shape, "(%lld,)", (long long)n);
    unsigned char hdr[256];
    size_t hl = make_header(hdr, sizeof hdr, t, shape);
    wjob job = {NULL, v, n, t};
    return write_file(ctx, path, hdr, hl, &job);
}
