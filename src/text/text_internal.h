/* text_internal.h -- what the src/text files share: the Unicode tables, the
 * UTF-8 decoder and the token scanner used by lr_tokenize and the TF-IDF
 * builder. */
#ifndef LR_TEXT_INTERNAL_H
#define LR_TEXT_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "internal.h"

typedef struct { uint32_t lo, hi; } lr__uc_range;
typedef struct { uint32_t first, last; int32_t stride, delta; } lr__uc_lower_run;
typedef struct { uint32_t lo, hi; int32_t cls; } lr__uc_case_range;
extern const lr__uc_range lr__uc_word[];
extern const int lr__uc_word_n;
extern const lr__uc_lower_run lr__uc_lower[];
extern const int lr__uc_lower_n;
extern const lr__uc_case_range lr__uc_case[]; /* cls 1 cased, 2 case-ignorable */
extern const int lr__uc_case_n;
extern const char *const lr__stopwords_en[];
extern const int lr__stopwords_en_n;

/* Offset of the first invalid UTF-8 byte (overlong forms, surrogates and
 * code points above U+10FFFF are invalid), or -1 when s is valid. */
int64_t lr__utf8_invalid_at(const char *s, size_t n);

/* Longest token in bytes (after lower-casing); longer runs of word
 * characters are dropped whole (scikit-learn has no limit; such runs are
 * encoded data, not words). */
#define LR__TOKEN_MAX 1024

/* Token sink: called with each lower-cased token of >= min_len code points.
 * Return non-zero to stop scanning. */
typedef int (*lr__tok_sink)(void *user, const char *tok, size_t len);

/* Scans valid UTF-8 s[0..n) (check it first with lr__utf8_invalid_at):
 * lower-cases, splits into word-character runs, reports those of at least
 * min_len code points.  Returns 1 when the sink stopped it, else 0. */
int lr__scan_tokens(const char *s, size_t n, int min_len, lr__tok_sink sink,
                    void *user);

/* FNV-1a, 64 bits. */
static inline uint64_t lr__hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}
#endif
