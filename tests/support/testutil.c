#include "testutil.h"
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

int tu_checks, tu_failed;

int tu_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, tu_checks - tu_failed, tu_failed);
    return tu_failed ? 1 : 0;
}

static uint64_t next(tu_rng *r)
{
    uint64_t x = r->s ? r->s : 0x9E3779B97F4A7C15ull;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return r->s = x;
}

double tu_rand01(tu_rng *r) { return ((next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

double tu_randn(tu_rng *r)
{
    double u = tu_rand01(r), v = tu_rand01(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

int tu_run(char *out, size_t n, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[8300];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t got = 0;
    char tmp[4096];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, p)) > 0) {
        if (out && got + 1 < n) {
            size_t c = r < n - 1 - got ? r : n - 1 - got;
            memcpy(out + got, tmp, c);
            got += c;
        }
    }
    if (out && n) out[got] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *tu_tmpdir(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "/tmp/lowrank-test-XXXXXX");
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        exit(1);
    }
    return buf;
}

const char *tu_bin(void)
{
    const char *b = getenv("LOWRANK_BIN");
    return b ? b : "lowrank";
}

int tu_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
