/* memlimit.c -- how much memory a new allocation can have, and a check that
 * refuses work that would not fit before anything is allocated.
 *
 * "Available" is the smallest of:
 *  - MemAvailable from /proc/meminfo (the kernel's estimate of what can be
 *    allocated without swapping; free pages from sysconf(_SC_AVPHYS_PAGES)
 *    when the field is missing, e.g. kernels before 3.14);
 *  - the cgroup limit minus its current usage (cgroup v2 memory.max /
 *    memory.current, or v1 memory.limit_in_bytes / memory.usage_in_bytes):
 *    in a container MemAvailable describes the host, not what we may use;
 *  - RLIMIT_AS and RLIMIT_DATA (ulimit -v / -d), as a plain cap.
 * The trap: it is a snapshot.  Other processes allocate too, and Linux
 * overcommits, so a check that passes does not guarantee the allocation;
 * a check that fails is a reliable "this cannot work here". */
#include "internal.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Reads the first integer of a file (or "max" -> -1); -2 when unreadable. */
static int64_t read_num(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -2;
    char buf[64] = "";
    int ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok) return -2;
    if (!strncmp(buf, "max", 3)) return -1;
    long long v;
    return sscanf(buf, "%lld", &v) == 1 && v >= 0 ? (int64_t)v : -2;
}

/* MemAvailable in bytes, or -1 when /proc/meminfo has no such line. */
static int64_t meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    int64_t v = -1;
    while (fgets(line, sizeof line, f)) {
        long long kb;
        if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1) {
            v = (int64_t)kb * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

/* Room left under the cgroup's memory limit, or -1 when there is none. */
static int64_t cgroup_room(void)
{
    int64_t lim = read_num("/sys/fs/cgroup/memory.max"), use;
    if (lim >= 0) {
        use = read_num("/sys/fs/cgroup/memory.current");
    } else if (lim == -2) {
        lim = read_num("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        use = read_num("/sys/fs/cgroup/memory/memory.usage_in_bytes");
        /* v1 reports "no limit" as a huge number near INT64_MAX. */
        if (lim >= ((int64_t)1 << 60)) lim = -1;
    } else {
        return -1;
    }
    if (lim < 0) return -1;
    if (use < 0) use = 0;
    return lim > use ? lim - use : 0;
}

static int64_t min_known(int64_t a, int64_t b)
{
    if (a < 0) return b;
    if (b < 0) return a;
    return a < b ? a : b;
}

int64_t lr_mem_total(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    int64_t total = pages > 0 && psize > 0 ? (int64_t)pages * psize : -1;
    int64_t lim = read_num("/sys/fs/cgroup/memory.max");
    if (lim == -2) {
        lim = read_num("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        if (lim >= ((int64_t)1 << 60)) lim = -1;
    }
    return min_known(total, lim < 0 ? -1 : lim);
}

int64_t lr_mem_available(void)
{
    int64_t avail = meminfo_available();
    if (avail < 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && psize > 0 ? (int64_t)pages * psize : -1;
    }
    avail = min_known(avail, cgroup_room());
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = min_known(avail, (int64_t)LR_MIN(rl.rlim_cur, (rlim_t)INT64_MAX));
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = min_known(avail, (int64_t)LR_MIN(rl.rlim_cur, (rlim_t)INT64_MAX));
    return avail;
}

const char *lr_mem_format(char *buf, size_t n, int64_t b)
{
    static const char *unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (b < 1024) {
        snprintf(buf, n, "%lld B", (long long)b);
        return buf;
    }
    double v = (double)b / 1024;
    int u = 0;
    while (v >= 1024 && u < 5) v /= 1024, u++;
    snprintf(buf, n, "%.1f %s", v, unit[u]);
    return buf;
}

/* ---- the context's budget --------------------------------------------------- */
void lr_ctx_set_mem_limit(lr_ctx *ctx, int64_t bytes)
{
    ctx->mem_limit = bytes < 0 ? LR_MEM_AVAILABLE : bytes;
}

int64_t lr_ctx_mem_limit(const lr_ctx *ctx) { return ctx->mem_limit; }

void lr_ctx_set_mem_plan(lr_ctx *ctx, double per_input, double per_side, const char *hint)
{
    ctx->mem_per_input = per_input > 0 && per_input < 1e6 ? per_input : 1.0;
    ctx->mem_per_side = per_side > 0 && per_side < 1e9 ? per_side : 0.0;
    ctx->mem_plan_fn = NULL;
    snprintf(ctx->mem_hint, sizeof ctx->mem_hint, "%s", hint ? hint : "");
}

void lr_ctx_set_mem_plan_fn(lr_ctx *ctx, lr_mem_plan_fn fn, void *user, const char *hint)
{
    ctx->mem_plan_fn = fn;
    ctx->mem_plan_user = user;
    snprintf(ctx->mem_hint, sizeof ctx->mem_hint, "%s", hint ? hint : "");
}

int lr_ctx_mem_refused(const lr_ctx *ctx) { return ctx && ctx->status == LR_ERR_NOMEM && ctx->mem_refused; }

int64_t lr__mem_limit_now(const lr_ctx *ctx)
{
    if (!ctx || ctx->mem_limit == LR_MEM_UNLIMITED) return 0;
    if (ctx->mem_limit > 0) return ctx->mem_limit;
    int64_t a = lr_mem_available();
    return a > 0 ? a : 0; /* unknown: no limit (the allocation itself will tell) */
}

/* The refusal: "WHAT needs X (F x the Y input), Z available; HINT".  With
 * `more`, need is on top of what is held (the input) and the figure printed
 * is the total. */
static lr_status refuse(lr_ctx *ctx, const char *what, int64_t need, int64_t input,
                        int64_t have, int more)
{
    char n[32], in[32], h[32], mult[80] = "";
    const char *hint = ctx->mem_hint[0] ? ctx->mem_hint : NULL;
    int explicit_limit = ctx->mem_limit > 0;
    lr_mem_format(h, sizeof h, have);
    char have_s[80];
    if (explicit_limit) snprintf(have_s, sizeof have_s, "but the memory limit is %s", h);
    else snprintf(have_s, sizeof have_s, "%s%s available", h, more ? " more" : "");
    if (need < 0) {
        lr__err(ctx, LR_ERR_NOMEM, "%s needs more memory than can be addressed, %s%s%s", what,
                have_s, hint ? "; " : "", hint ? hint : "");
    } else {
        if (input > 0 && need > input)
        {
            double f = (double)need / (double)input;
            snprintf(mult, sizeof mult, f < 1.095 ? " (%.2f x the %s input)" : " (%.1f x the %s input)",
                     f, lr_mem_format(in, sizeof in, input));
        }
        lr__err(ctx, LR_ERR_NOMEM, "%s needs %s%s%s%s %s%s%s", what,
                lr_mem_format(n, sizeof n, need), more ? " of memory in all" : " of memory", mult,
                explicit_limit ? "" : ",", have_s, hint ? "; " : "", hint ? hint : "");
    }
    ctx->mem_refused = 1;
    return LR_ERR_NOMEM;
}

lr_status lr_mem_check(lr_ctx *ctx, int64_t need, int64_t input, const char *what)
{
    int64_t have = lr__mem_limit_now(ctx);
    if (!have || (need >= 0 && need <= have)) return LR_OK;
    return refuse(ctx, what ? what : "the operation", need, input, have, 0);
}

/* a * b + c in bytes, -1 on overflow or nonsense. */
static int64_t plan_bytes(double a, double b, double c)
{
    double v = a * b + c;
    return isfinite(v) && v >= 0 && v < 9.2e18 ? (int64_t)v : -1;
}

lr_status lr__mem_reader(lr_ctx *ctx, int64_t rows, int64_t cols, int planes, lr_dtype t,
                         const char *what)
{
    int64_t have = lr__mem_limit_now(ctx);
    if (!have) return LR_OK;
    double e = (double)lr_dtype_size(t);
    double input = (double)rows * (double)cols * e * planes;
    double side = ctx->mem_per_side * ((double)rows + (double)cols) * e * planes;
    int64_t need = ctx->mem_plan_fn ? ctx->mem_plan_fn(ctx->mem_plan_user, rows, cols, planes,
                                                       lr_dtype_size(t))
                                    : plan_bytes(ctx->mem_per_input, input, side);
    if (need >= 0 && need <= have) return LR_OK;
    return refuse(ctx, what, need, input < 9.2e18 ? (int64_t)input : -1, have, 0);
}

lr_status lr__mem_work(lr_ctx *ctx, int64_t input, int64_t extra, const char *what)
{
    int64_t have = lr__mem_limit_now(ctx);
    if (!have) return LR_OK;
    if (input < 0) input = 0;
    int64_t total = extra < 0 || extra > INT64_MAX - input ? -1 : input + extra;
    if (ctx->mem_limit > 0) {
        if (total >= 0 && total <= have) return LR_OK;
        return refuse(ctx, what, total, input, have, 0);
    }
    /* Available memory: the input is already held, only the rest is new. */
    if (extra >= 0 && extra <= have) return LR_OK;
    return refuse(ctx, what, total, input, have, 1);
}
