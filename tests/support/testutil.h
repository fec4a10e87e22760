/* testutil.h -- tiny test harness shared by the tests/test_*.c programs.
 * CHECK never stops the program: every failed check is printed with its
 * file and line, and tu_done() returns non-zero if any failed. */
#ifndef LR_TESTUTIL_H
#define LR_TESTUTIL_H
#include <stdint.h>
#include <stdio.h>
#include "lowrank/lowrank.h"

extern int tu_checks, tu_failed;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        tu_checks++;                                                       \
        if (!(cond)) {                                                     \
            tu_failed++;                                                   \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)
/* Checks an lr_status is LR_OK and prints the context's message if not. */
#define CHECK_OK(ctx, expr)                                                \
    do {                                                                   \
        lr_status s_ = (expr);                                             \
        CHECK(s_ == LR_OK, "%s -> %s: %s", #expr, lr_status_str(s_),       \
              lr_ctx_errmsg(ctx));                                         \
    } while (0)

/* Prints "N passed, N failed" and returns the exit code. */
int tu_done(const char *name);

/* Deterministic Gaussian numbers for building test matrices (xorshift +
 * Box-Muller; independent of the library's RNG on purpose). */
typedef struct { uint64_t s; } tu_rng;
double tu_randn(tu_rng *r);
double tu_rand01(tu_rng *r);

/* Runs a shell command; returns its exit code; stderr+stdout captured into
 * out (may be NULL). */
int tu_run(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A fresh temporary folder (removed by the OS eventually: /tmp). */
const char *tu_tmpdir(void);
/* The CLI binary under test (env LOWRANK_BIN). */
const char *tu_bin(void);
int tu_file_exists(const char *path);
#endif
