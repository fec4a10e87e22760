/* main.c -- `lowrank SUBCOMMAND ...`: dispatch to one cmd_*.c per job. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"svd", cmd_svd, "truncated SVD of a .npy or .mtx matrix (exact, randomized, krylov)"},
    {"compress", cmd_compress, "compress an image by low-rank approximation (.lrz)"},
    {"decompress", cmd_decompress, "turn a .lrz file back into a PNG image"},
    {"separate", cmd_separate, "split a video into background and foreground"},
    {"nmf", cmd_nmf, "non-negative matrix factorization of a .npy or .mtx matrix"},
    {"topics", cmd_topics, "topics of a text corpus (TF-IDF, then NMF or LSA)"},
    {"recommend", cmd_recommend, "recommendations from ratings: train, eval, top, similar, foldin"},
};

static void usage(FILE *f)
{
    fprintf(f, "lowrank %s -- matrix factorization toolkit\n\n"
               "usage: lowrank COMMAND [options]    (lowrank COMMAND --help)\n\n"
               "commands:\n", lr_version());
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\nexit codes: 0 ok, 1 runtime failure, 2 bad usage or input\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lowrank %s\n", lr_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "lowrank: unknown command '%s'; run 'lowrank --help' for the list\n",
            argv[1]);
    return EXIT_USAGE;
}
