/* replay_main.c -- a main() for the fuzz harnesses without libFuzzer, so
 * that any compiler (gcc in the normal and sanitizer builds) can replay
 * saved inputs: the regression files in fuzz/regressions/<harness>/ and
 * the generated seed corpus.
 *
 *   fuzzreplay_npy FILE|DIR...    runs LLVMFuzzerTestOneInput on each file
 *                                 (folders: their files, sorted by name)
 *
 * A broken contract aborts (the harness's FZ_FAIL), a memory error is a
 * sanitizer report: either way the exit status says so and the last
 * "replaying" line names the input.  Prints "N inputs replayed" at the end. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    if (verbose) fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
    /* An exact-size copy, so that ASan sees reads past the end. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, long *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s does not exist\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    DIR *d = opendir(path);
    if (!d) return 1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* ., .., hidden notes */
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(path) + strlen(names[i]) + 2;
        char *p = malloc(l);
        snprintf(p, l, "%s/%s", path, names[i]);
        /* README or notes next to the inputs are not inputs. */
        size_t nl = strlen(names[i]);
        if (!(nl > 3 && !strcmp(names[i] + nl - 3, ".md")))
            bad |= replay_path(p, count);
        free(p);
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    verbose = getenv("REPLAY_VERBOSE") != NULL;
    long count = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) bad |= replay_path(argv[i], &count);
    printf("%ld inputs replayed\n", count);
    return bad;
}
