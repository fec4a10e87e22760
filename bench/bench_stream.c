/* bench_stream.c -- memory bandwidth of this machine, STREAM style
 * (McCalpin's STREAM benchmark: the triad a[i] = b[i] + s*c[i] on arrays
 * much larger than the caches, threads with OpenMP, best of several runs).
 *
 * Used by bench/run.sh for the randomized SVD's bandwidth floor:
 *     floor = (2q+2) passes * bytes(A) / triad bandwidth.
 * Bytes are counted as STREAM does (triad: 3 arrays x 8 bytes per element;
 * the write-allocate read of a[] is not counted).  Also measured, for
 * reference: copy (a = b, 2 arrays) and read (sum of a, 1 array), the latter
 * being closest to what a pass over A does.
 *
 * usage: bench_stream [--mb N] [--repeat N] [--threads N]
 *   --mb N       size of each of the three arrays in MiB (default 256)
 *   --repeat N   runs of each kernel, best kept (default 10)
 *   --threads N  OpenMP threads (default: OpenMP's default)
 * Prints one JSON line on stdout, a human summary on stderr.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_stream [--mb N] [--repeat N] [--threads N]\n"
               "  --mb N       MiB per array, three arrays (default 256)\n"
               "  --repeat N   runs per kernel, best kept (default 10)\n"
               "  --threads N  OpenMP threads (default: OpenMP's default)\n");
}

static long parse_pos(const char *opt, const char *s)
{
    char *end;
    long v = strtol(s ? s : "", &end, 10);
    if (!s || *s == 0 || *end != 0 || v <= 0) {
        fprintf(stderr, "bench_stream: %s wants a positive integer, not '%s'\n",
                opt, s ? s : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long mb = 256, repeat = 10, threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb"))
            mb = parse_pos("--mb", i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "--repeat"))
            repeat = parse_pos("--repeat", i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "--threads"))
            threads = parse_pos("--threads", i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_stream: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (threads > 0)
        omp_set_num_threads((int)threads);

    const int64_t n = (int64_t)mb * 1024 * 1024 / (int64_t)sizeof(double);
    const size_t bytes = (size_t)n * sizeof(double);
    double *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes),
           *c = aligned_alloc(64, bytes);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_stream: cannot allocate 3 x %ld MiB; try a "
                        "smaller --mb\n", mb);
        return 1;
    }
    int nthreads = 1;
    /* First touch by the threads that will use the pages. */
#pragma omp parallel
    {
#pragma omp single
        nthreads = omp_get_num_threads();
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            a[i] = 1.0;
            b[i] = 2.0;
            c[i] = 0.5;
        }
    }

    const double s = 3.0;
    double best_triad = 1e30, best_copy = 1e30, best_read = 1e30;
    double sink = 0;
    for (long r = 0; r < repeat; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        double t1 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++)
            c[i] = a[i];
        double t2 = omp_get_wtime();
        double sum = 0;
/* simd: lets the compiler keep several partial sums (vectorized), so the
         * loop is bound by memory, not by the latency of one add chain. */
#pragma omp parallel for simd schedule(static) reduction(+ : sum)
        for (int64_t i = 0; i < n; i++)
            sum += b[i];
        double t3 = omp_get_wtime();
        sink += sum + a[n / 2] + c[n / 3];
        if (t1 - t0 < best_triad) best_triad = t1 - t0;
        if (t2 - t1 < best_copy) best_copy = t2 - t1;
        if (t3 - t2 < best_read) best_read = t3 - t2;
    }
    /* The kernels must have done their work: after the last run,
     * a = b + s*c_prev and c = a, b = 2 everywhere. */
    if (b[n - 1] != 2.0 || a[n - 1] != c[n - 1] || sink == 0) {
        fprintf(stderr, "bench_stream: result check failed\n");
        return 1;
    }
    const double gb = 1e9;
    double triad = 3.0 * (double)bytes / best_triad / gb;
    double copy = 2.0 * (double)bytes / best_copy / gb;
    double read = 1.0 * (double)bytes / best_read / gb;
    printf("{\"bench\": \"stream\", \"threads\": %d, \"array_mib\": %ld, "
           "\"repeat\": %ld, \"triad_gbs\": %.3f, \"copy_gbs\": %.3f, "
           "\"read_gbs\": %.3f, \"triad_s\": %.6f}\n",
           nthreads, mb, repeat, triad, copy, read, best_triad);
    fprintf(stderr, "bench_stream: %d threads, 3 x %ld MiB: triad %.2f GB/s, "
                    "copy %.2f GB/s, read %.2f GB/s (best of %ld)\n",
            nthreads, mb, triad, copy, read, repeat);
    free(a);
    free(b);
    free(c);
    return 0;
}
