/* corpus.c -- documents from a folder of text files, a one-document-per-line
 * file or memory; unusable documents are skipped, counted and logged. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "text_internal.h"

struct lr_corpus {
    char *text;          /* all document bytes (file contents or copies) */
    int64_t n;           /* kept documents */
    int64_t *start, *len;
    char *names;         /* NUL-separated names */
    int64_t *name_off;
    lr_corpus_counts counts;
};

enum { MAX_SKIP_LOGS = 20 };

typedef struct {
    lr_ctx *ctx;
    lr_corpus *c;
    int64_t cap;             /* of start/len/name_off */
    size_t names_len, names_cap;
    int64_t logged;
} builder;

static lr_status grow(builder *b)
{
    if (b->c->n < b->cap) return LR_OK;
    int64_t nc = b->cap ? 2 * b->cap : 1024;
    lr_ctx *ctx = b->ctx;
    int64_t *s = lr__malloc(ctx, (size_t)nc * 8, "corpus index");
    int64_t *l = lr__malloc(ctx, (size_t)nc * 8, "corpus index");
    int64_t *o = lr__malloc(ctx, (size_t)nc * 8, "corpus index");
    if (!s || !l || !o) {
        lr__free(ctx, s), lr__free(ctx, l), lr__free(ctx, o);
        return LR_ERR_NOMEM;
    }
    if (b->c->n) {
        memcpy(s, b->c->start, (size_t)b->c->n * 8);
        memcpy(l, b->c->len, (size_t)b->c->n * 8);
        memcpy(o, b->c->name_off, (size_t)b->c->n * 8);
    }
    lr__free(ctx, b->c->start), lr__free(ctx, b->c->len), lr__free(ctx, b->c->name_off);
    b->c->start = s, b->c->len = l, b->c->name_off = o, b->cap = nc;
    return LR_OK;
}

static lr_status add_name(builder *b, const char *name, int64_t *off)
{
    size_t l = strlen(name) + 1;
    if (b->names_len + l > b->names_cap) {
        size_t nc = b->names_cap ? 2 * b->names_cap : 16384;
        while (nc < b->names_len + l) nc *= 2;
        char *p = lr__malloc(b->ctx, nc, "document names");
        if (!p) return LR_ERR_NOMEM;
        if (b->names_len) memcpy(p, b->c->names, b->names_len);
        lr__free(b->ctx, b->c->names);
        b->c->names = p, b->names_cap = nc;
    }
    memcpy(b->c->names + b->names_len, name, l);
    *off = (int64_t)b->names_len;
    b->names_len += l;
    return LR_OK;
}

static int all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!(ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v'))
            return 0;
    }
    return 1;
}

/* Classifies document text[start, start+len) named `name` (shown as
 * `where: name`); keeps it or counts and logs why not. */
static lr_status consider(builder *b, const char *where, const char *name, int64_t start,
                          int64_t len)
{
    lr_corpus *c = b->c;
    const char *s = c->text + start;
    c->counts.seen++;
    const char *why = NULL;
    char detail[64] = "";
    const char *nul = memchr(s, 0, (size_t)len);
    int64_t bad;
    if (nul) {
        why = "binary";
        snprintf(detail, sizeof detail, " (NUL byte at offset %lld)", (long long)(nul - s));
        c->counts.skipped_binary++;
    } else if ((bad = lr__utf8_invalid_at(s, (size_t)len)) >= 0) {
        why = "invalid UTF-8";
        snprintf(detail, sizeof detail, " at byte %lld", (long long)bad);
        c->counts.skipped_utf8++;
    } else if (all_space(s, (size_t)len)) {
        why = "empty";
        c->counts.skipped_empty++;
    }
    if (why) {
        if (b->logged < MAX_SKIP_LOGS)
            lr__log(b->ctx, 1, "%s%s%s: skipped: %s%s", where ? where : "", where ? ": " : "",
                    name, why, detail);
        else if (b->logged == MAX_SKIP_LOGS)
            lr__log(b->ctx, 1, "%s%s(further skipped documents are only counted)",
                    where ? where : "", where ? ": " : "");
        b->logged++;
        return LR_OK;
    }
    lr_status st = grow(b);
    if (st) return st;
    int64_t off;
    if ((st = add_name(b, name, &off))) return st;
    c->start[c->n] = start, c->len[c->n] = len, c->name_off[c->n] = off;
    c->n++;
    c->counts.kept++;
    return LR_OK;
}

static lr_status finish(builder *b, const char *path, lr_corpus **out)
{
    lr_corpus *c = b->c;
    lr_corpus_counts k = c->counts;
    if (k.kept == 0) {
        lr_status s;
        if (k.seen == 0)
            s = lr__err(b->ctx, LR_ERR_DATA, "%s holds no documents", path);
        else
            s = lr__err(b->ctx, LR_ERR_DATA,
                        "%s: no usable document: %lld found, %lld empty, %lld invalid UTF-8, "
                        "%lld binary", path, (long long)k.seen, (long long)k.skipped_empty,
                        (long long)k.skipped_utf8, (long long)k.skipped_binary);
        lr_corpus_destroy(b->ctx, c);
        return s;
    }
    *out = c;
    return LR_OK;
}

static lr_corpus *new_corpus(lr_ctx *ctx)
{
    lr_corpus *c = lr__calloc(ctx, 1, sizeof *c, "corpus");
    return c;
}

void lr_corpus_destroy(lr_ctx *ctx, lr_corpus *c)
{
    if (!c) return;
    lr__free(ctx, c->text), lr__free(ctx, c->start), lr__free(ctx, c->len);
    lr__free(ctx, c->names), lr__free(ctx, c->name_off);
    lr__free(ctx, c);
}

/* Reads a whole regular file into *buf (a NUL after the end). */
static lr_status slurp(lr_ctx *ctx, const char *path, char **buf, int64_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return lr__err(ctx, LR_ERR_IO, "cannot open %s (%s)", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return lr__err(ctx, LR_ERR_IO, "%s is not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    char *p = lr__malloc(ctx, n + 1, "corpus text");
    if (!p) {
        fclose(f);
        return LR_ERR_NOMEM;
    }
    size_t got = n ? fread(p, 1, n, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (got != n || err) {
        lr__free(ctx, p);
        return lr__err(ctx, LR_ERR_IO, "cannot read %s (%s)", path,
                       err ? strerror(errno) : "file shrank while reading");
    }
    p[n] = 0;
    *buf = p, *len = (int64_t)n;
    return LR_OK;
}

static lr_status read_lines(lr_ctx *ctx, const char *path, lr_corpus **out)
{
    lr_corpus *c = new_corpus(ctx);
    if (!c) return LR_ERR_NOMEM;
    int64_t n;
    lr_status s = slurp(ctx, path, &c->text, &n);
    if (s) {
        lr_corpus_destroy(ctx, c);
        return s;
    }
    const char *nul = memchr(c->text, 0, (size_t)n);
    if (nul) {
        long long at = (long long)(nul - c->text);
        lr_corpus_destroy(ctx, c);
        return lr__err(ctx, LR_ERR_FORMAT,
                       "%s is a binary file (NUL byte at offset %lld), not text: give a UTF-8 "
                       "file with one document per line or a folder of text files",
                       path, at);
    }
    builder b = {ctx, c, 0, 0, 0, 0};
    int64_t pos = 0, line = 0;
    while (pos < n) {
        const char *nl = memchr(c->text + pos, '\n', (size_t)(n - pos));
        int64_t end = nl ? nl - c->text : n;
        int64_t l = end - pos;
        if (l > 0 && c->text[pos + l - 1] == '\r') l--;
        char name[32];
        snprintf(name, sizeof name, "line %lld", (long long)++line);
        if ((s = consider(&b, path, name, pos, l))) {
            lr_corpus_destroy(ctx, c);
            return s;
        }
        pos = end + 1;
        if (line % 65536 == 0 &&
            (s = lr__progress(ctx, "read", (double)pos / (double)n, "%lld lines", (long long)line))) {
            lr_corpus_destroy(ctx, c);
            return s;
        }
    }
    return finish(&b, path, out);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static lr_status read_folder(lr_ctx *ctx, const char *path, lr_corpus **out)
{
    DIR *d = opendir(path);
    if (!d) return lr__err(ctx, LR_ERR_IO, "cannot open folder %s (%s)", path, strerror(errno));
    char **names = NULL;
    size_t nn = 0, cap = 0;
    lr_status s = LR_OK;
    int64_t total = 0, ignored = 0;
    size_t plen = strlen(path);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t fl = plen + strlen(e->d_name) + 2;
        char *full = lr__malloc(ctx, fl, "file name");
        if (!full) { s = LR_ERR_NOMEM; break; }
        snprintf(full, fl, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
            ignored++;
            lr__free(ctx, full);
            continue;
        }
        total += (int64_t)st.st_size;
        if (nn == cap) {
            size_t nc = cap ? 2 * cap : 256;
            char **p = lr__malloc(ctx, nc * sizeof *p, "file list");
            if (!p) { lr__free(ctx, full); s = LR_ERR_NOMEM; break; }
            if (nn) memcpy(p, names, nn * sizeof *p);
            lr__free(ctx, names);
            names = p, cap = nc;
        }
        names[nn++] = full;
    }
    closedir(d);
    lr_corpus *c = NULL;
    if (!s && !(c = new_corpus(ctx))) s = LR_ERR_NOMEM;
    if (!s) {
        if (nn) qsort(names, nn, sizeof *names, cmp_str);
        if (ignored)
            lr__log(ctx, 0, "%s: %lld entries that are not regular files ignored", path,
                    (long long)ignored);
        c->text = lr__malloc(ctx, (size_t)total + 1, "corpus text");
        if (!c->text) s = LR_ERR_NOMEM;
    }
    builder b = {ctx, c, 0, 0, 0, 0};
    int64_t pos = 0;
    for (size_t i = 0; !s && i < nn; i++) {
        char *buf;
        int64_t len;
        if ((s = slurp(ctx, names[i], &buf, &len))) break;
        if (pos + len > total) { /* grew since we looked: take what fits */
            lr__free(ctx, buf);
            s = lr__err(ctx, LR_ERR_IO, "%s changed while the corpus was read", names[i]);
            break;
        }
        memcpy(c->text + pos, buf, (size_t)len);
        lr__free(ctx, buf);
        /* trailing newlines are not part of a document's words anyway */
        s = consider(&b, path, names[i] + plen + 1, pos, len);
        pos += len;
        if (!s && (i & 255) == 255)
            s = lr__progress(ctx, "read", (double)(i + 1) / (double)nn, "%zu files", i + 1);
    }
    for (size_t i = 0; i < nn; i++) lr__free(ctx, names[i]);
    lr__free(ctx, names);
    if (s) {
        lr_corpus_destroy(ctx, c);
        return s;
    }
    return finish(&b, path, out);
}

lr_status lr_corpus_read(lr_ctx *ctx, const char *path, lr_corpus **out)
{
    if (!path || !out) return lr__err(ctx, LR_ERR_ARG, "lr_corpus_read: NULL argument");
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return lr__err(ctx, LR_ERR_IO, "cannot read %s (%s)", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return read_folder(ctx, path, out);
    return read_lines(ctx, path, out);
}

lr_status lr_corpus_from_strings(lr_ctx *ctx, const char *const *docs, const size_t *len,
                                 int64_t n, lr_corpus **out)
{
    if (!out || n < 0 || (n && !docs))
        return lr__err(ctx, LR_ERR_ARG, "lr_corpus_from_strings: bad arguments");
    *out = NULL;
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!docs[i] && (!len || len[i]))
            return lr__err(ctx, LR_ERR_ARG, "lr_corpus_from_strings: document %lld is NULL",
                           (long long)i);
        total += len ? len[i] : strlen(docs[i]);
    }
    lr_corpus *c = new_corpus(ctx);
    if (!c) return LR_ERR_NOMEM;
    if (!(c->text = lr__malloc(ctx, total + 1, "corpus text"))) {
        lr_corpus_destroy(ctx, c);
        return LR_ERR_NOMEM;
    }
    builder b = {ctx, c, 0, 0, 0, 0};
    int64_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t l = len ? len[i] : strlen(docs[i]);
        if (l) memcpy(c->text + pos, docs[i], l);
        char name[32];
        snprintf(name, sizeof name, "doc %lld", (long long)i);
        lr_status s = consider(&b, NULL, name, pos, (int64_t)l);
        if (s) {
            lr_corpus_destroy(ctx, c);
            return s;
        }
        pos += (int64_t)l;
    }
    return finish(&b, "the corpus", out);
}

lr_corpus_counts lr_corpus_get_counts(const lr_corpus *c)
{
    lr_corpus_counts z = {0};
    return c ? c->counts : z;
}
int64_t lr_corpus_size(const lr_corpus *c) { return c ? c->n : 0; }
const char *lr_corpus_doc(const lr_corpus *c, int64_t i, size_t *len)
{
    if (!c || i < 0 || i >= c->n) return NULL;
    if (len) *len = (size_t)c->len[i];
    return c->text + c->start[i];
}
const char *lr_corpus_name(const lr_corpus *c, int64_t i)
{
    if (!c || i < 0 || i >= c->n) return NULL;
    return c->names + c->name_off[i];
}
