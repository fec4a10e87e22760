/* tokenize.c -- UTF-8 validation and decoding, Unicode lower-casing and word
 * classification (tables in unicode_tables.c), the token scanner, the
 * stop-word lookup and the public lr_tokenize. */
#include <pthread.h>
#include <string.h>
#include "text_internal.h"

/* ---- UTF-8 -------------------------------------------------------------------- */
int64_t lr__utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) need = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) need = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) need = 3, cp = c & 0x07, min = 0x10000;
        else return (int64_t)i;
        if (i + need >= n) return (int64_t)i;
        for (size_t k = 1; k <= need; k++) {
            unsigned d = s[i + k];
            if ((d & 0xC0) != 0x80) return (int64_t)i;
            cp = cp << 6 | (d & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return (int64_t)i;
        i += need + 1;
    }
    return -1;
}

/* Decodes one code point of valid UTF-8 at s[*i], advancing *i. */
static inline uint32_t utf8_next(const unsigned char *s, size_t *i)
{
    uint32_t c = s[*i];
    if (c < 0x80) { (*i)++; return c; }
    if (c < 0xE0) { c = (c & 0x1F) << 6 | (s[*i + 1] & 0x3F); *i += 2; return c; }
    if (c < 0xF0) {
        c = (c & 0x0F) << 12 | (uint32_t)(s[*i + 1] & 0x3F) << 6 | (s[*i + 2] & 0x3F);
        *i += 3;
        return c;
    }
    c = (c & 0x07) << 18 | (uint32_t)(s[*i + 1] & 0x3F) << 12 |
        (uint32_t)(s[*i + 2] & 0x3F) << 6 | (s[*i + 3] & 0x3F);
    *i += 4;
    return c;
}

static inline size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- classification and lower case ------------------------------------------------ */
static int uc_is_word_slow(uint32_t c)
{
    int lo = 0, hi = lr__uc_word_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < lr__uc_word[mid].lo) hi = mid - 1;
        else if (c > lr__uc_word[mid].hi) lo = mid + 1;
        else return 1;
    }
    return 0;
}

static uint32_t uc_lower_slow(uint32_t c)
{
    int lo = 0, hi = lr__uc_lower_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const lr__uc_lower_run *r = &lr__uc_lower[mid];
        if (c < r->first) hi = mid - 1;
        else if (c > r->last) lo = mid + 1;
        else return (c - r->first) % (uint32_t)r->stride == 0 ? (uint32_t)((int32_t)c + r->delta) : c;
    }
    return c;
}

static inline int ascii_alpha(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* For the final-sigma rule: 1 cased, 2 case-ignorable, 0 neither. */
static int uc_case_class(uint32_t c)
{
    if (c < 0x80)
        return ascii_alpha(c) ? 1 : (c == '\'' || c == '.' || c == ':' || c == '^' || c == '`') ? 2 : 0;
    int lo = 0, hi = lr__uc_case_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < lr__uc_case[mid].lo) hi = mid - 1;
        else if (c > lr__uc_case[mid].hi) lo = mid + 1;
        else return lr__uc_case[mid].cls;
    }
    return 0;
}

static inline int ascii_word(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* ---- a cache for the Basic Multilingual Plane ---------------------------------------
 * One table lookup instead of three binary searches for U+0080..U+FFFF:
 * the lower-case code point (BMP lower-cases stay in the BMP) and flags
 * (bit 0: word character, bits 1-2: case class).  Built
 * once per process (pthread_once), 192 KB. */
static uint16_t bmp_lower[0x10000];
static uint8_t bmp_flags[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;

static void bmp_init(void)
{
    for (uint32_t c = 0; c < 0x10000; c++) {
        uint32_t l = uc_lower_slow(c);
        bmp_lower[c] = (uint16_t)l;
        bmp_flags[c] = (uint8_t)(uc_is_word_slow(c) | uc_case_class(c) << 1);
    }
}

static inline uint32_t uc_lower(uint32_t c)
{
    return c < 0x10000 ? bmp_lower[c] : uc_lower_slow(c);
}
static inline int uc_is_word(uint32_t c)
{
    return c < 0x10000 ? bmp_flags[c] & 1 : uc_is_word_slow(c);
}
static inline int uc_case(uint32_t c)
{
    return c < 0x10000 ? bmp_flags[c] >> 1 : uc_case_class(c);
}

/* ---- the scanner -------------------------------------------------------------------- */
int lr__scan_tokens(const char *str, size_t n, int min_len, lr__tok_sink sink, void *user)
{
    const unsigned char *s = (const unsigned char *)str;
    char buf[LR__TOKEN_MAX + 8];
    size_t blen = 0;   /* bytes in buf */
    int64_t cps = 0;   /* code points in the token */
    int toolong = 0;
    /* Final_Sigma: whether the last code point that was not case-ignorable
     * was cased (in the original text, as Python looks back) */
    int prev_cased = 0;
    size_t i = 0;
    pthread_once(&bmp_once, bmp_init);
#define FLUSH()                                                              \
    do {                                                                     \
        if (cps >= min_len && !toolong && sink(user, buf, blen)) return 1;   \
        blen = 0, cps = 0, toolong = 0;                                      \
    } while (0)
    while (i < n) {
        unsigned b = s[i];
        if (b < 0x80) {
            /* ASCII fast path */
            if (ascii_alpha(b)) prev_cased = 1;
            else if (!(b == '\'' || b == '.' || b == ':' || b == '^' || b == '`')) prev_cased = 0;
            if (ascii_word(b)) {
                if (blen < LR__TOKEN_MAX) buf[blen++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
                else toolong = 1;
                cps++;
            } else if (cps) {
                FLUSH();
            }
            i++;
            continue;
        }
        uint32_t c = utf8_next(s, &i);
        int cls = uc_case(c);
        int boundary_after = 0;
        if (c == 0x130) {
            /* U+0130 lower-cases to "i" + U+0307 (a combining mark, not \w) */
            c = 'i';
            boundary_after = 1;
        } else if (c == 0x3A3) {
            /* Greek capital sigma: final form when a cased letter comes before
             * it and none after, case-ignorable code points skipped
             * (Unicode's Final_Sigma, as Python's str.lower()). */
            int final = prev_cased;
            for (size_t j = i; final && j < n;) {
                int k = uc_case(utf8_next(s, &j));
                if (k == 2) continue;
                final = k != 1;
                break;
            }
            c = final ? 0x3C2 : 0x3C3;
        } else {
            c = uc_lower(c);
        }
        if (cls != 2) prev_cased = cls == 1;
        if (uc_is_word(c)) {
            if (blen + 4 <= LR__TOKEN_MAX) blen += utf8_put(buf + blen, c);
            else toolong = 1;
            cps++;
            if (boundary_after) FLUSH();
        } else if (cps) {
            FLUSH();
        }
    }
    if (cps) FLUSH();
#undef FLUSH
    return 0;
}

/* ---- stop words ---------------------------------------------------------------------- */
int lr_is_stop_word(const char *w)
{
    int lo = 0, hi = lr__stopwords_en_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(w, lr__stopwords_en[mid]);
        if (r < 0) hi = mid - 1;
        else if (r > 0) lo = mid + 1;
        else return 1;
    }
    return 0;
}

/* ---- public tokenizer ------------------------------------------------------------------ */
typedef struct {
    lr_token_fn fn;
    void *user;
    int stop;
    int stopped;
} pub_sink;

static int pub_emit(void *u, const char *tok, size_t len)
{
    pub_sink *p = u;
    if (p->stop && len < 32) {
        char w[32];
        memcpy(w, tok, len);
        w[len] = 0;
        if (lr_is_stop_word(w)) return 0;
    }
    if (p->fn(p->user, tok, len)) return p->stopped = 1;
    return 0;
}

lr_status lr_tokenize(lr_ctx *ctx, const char *text, size_t len, int min_len, int stop_words,
                      lr_token_fn fn, void *user)
{
    if (!fn || (!text && len)) return lr__err(ctx, LR_ERR_ARG, "lr_tokenize: NULL text or callback");
    if (min_len < 1)
        return lr__err(ctx, LR_ERR_ARG, "the minimum token length must be at least 1, got %d",
                       min_len);
    int64_t bad = lr__utf8_invalid_at(text, len);
    if (bad >= 0)
        return lr__err(ctx, LR_ERR_FORMAT, "invalid UTF-8 at byte %lld", (long long)bad);
    pub_sink p = {fn, user, stop_words, 0};
    lr__scan_tokens(text, len, min_len, pub_emit, &p);
    return LR_OK;
}
