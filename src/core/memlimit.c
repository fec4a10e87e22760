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

int64_t lr__mem_total(void)
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

int64_t lr__mem_available(void)
{
    int64_t avail = meminfo_available();
    if (avail < 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && psize > 0 ? (int64_t)pages * psize : -1;
    }
    avail = min_known(avail, cgroup_room());
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = min_known(avail, (int64_t)rl.rlim_cur);
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = min_known(avail, (int64_t)rl.rlim_cur);
    return avail;
}

static double gib(int64_t b) { return (double)b / (double)((int64_t)1 << 30); }

lr_status lr__mem_check(lr_ctx *ctx, int64_t need, int64_t limit, const char *what,
                        const char *hint)
{
    if (need < 0) need = INT64_MAX; /* an overflowed estimate never fits */
    int64_t have = limit > 0 ? limit : lr__mem_available();
    if (have < 0 || need <= have) return LR_OK; /* unknown: let the allocator decide */
    const char *who = limit > 0 ? "the memory limit allows" : "this machine has";
    if (need == INT64_MAX)
        return lr__err(ctx, LR_ERR_DATA, "%s needs more memory than can be addressed "
                       "(%s %.1f GiB)%s%s", what, who, gib(have), hint ? "; " : "",
                       hint ? hint : "");
    return lr__err(ctx, LR_ERR_DATA, "%s needs %.1f GiB of memory but %s %.1f GiB%s%s%s",
                   what, gib(need), who, gib(have), limit > 0 ? "" : " available",
                   hint ? "; " : "", hint ? hint : "");
}
