/* cli.h -- what the subcommands of the `lowrank` tool share: exit codes,
 * messages, number parsing, the progress bar, the JSON report. */
#ifndef LR_CLI_H
#define LR_CLI_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include "lowrank/lowrank.h"

/* Exit codes of every subcommand. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Options every subcommand takes. */
typedef struct cli_common {
    uint64_t seed;
    int threads;     /* 0 = all cores */
    bool json;       /* machine-readable report on stdout */
    bool quiet;      /* no progress, no human summary */
    int64_t max_memory; /* --max-memory: bytes, LR_MEM_AVAILABLE (default) or
                           LR_MEM_UNLIMITED */
    const char *prog; /* "lowrank svd" */
} cli_common;

/* The getopt_long entries for the common flags; append them to a command's
 * table with CLI_COMMON_LONGOPTS and handle them with cli_common_opt. */
#define CLI_OPT_SEED 1001
#define CLI_OPT_THREADS 1002
#define CLI_OPT_JSON 1003
#define CLI_OPT_QUIET 1004
#define CLI_OPT_MAXMEM 1005
#define CLI_OPT_HELP 'h'
#define CLI_COMMON_LONGOPTS                                   \
    {"seed", required_argument, 0, CLI_OPT_SEED},             \
    {"threads", required_argument, 0, CLI_OPT_THREADS},       \
    {"json", no_argument, 0, CLI_OPT_JSON},                   \
    {"quiet", no_argument, 0, CLI_OPT_QUIET},                 \
    {"max-memory", required_argument, 0, CLI_OPT_MAXMEM},     \
    {"help", no_argument, 0, CLI_OPT_HELP}
#define CLI_COMMON_HELP                                                      \
    "  --seed N        random seed (default 0); same seed, same bits\n"      \
    "  --threads N     threads to use (default: all cores)\n"                \
    "  --json          print a machine-readable report on stdout\n"          \
    "  --quiet         no progress bar and no summary\n"                     \
    "  --max-memory SIZE  refuse inputs whose planned peak memory exceeds\n" \
    "                  SIZE (512M, 8G, 0.5T, 75%, unlimited); default: the\n"\
    "                  memory available (MemAvailable, cgroup, ulimit)\n"   \
    "  -h, --help      show this help\n"

/* Handles a common option c with argument arg.  Returns 1 when handled,
 * 0 when c is not a common option; exits 2 on a bad value.  --help prints
 * usage to stdout and exits 0. */
int cli_common_opt(cli_common *cc, int c, const char *arg, const char *usage);
void cli_common_init(cli_common *cc, const char *prog);
/* After getopt_long returned '?' (with opterr = 0): names the option, exits 2. */
_Noreturn void cli_unknown_option(const cli_common *cc, char **argv);
/* The end of a getopt_long switch: ':' (a missing value) and '?' (an
 * unknown option) end with exit 2 naming the option; anything else goes to
 * cli_common_opt, and what that does not know either ends with exit 2. */
void cli_other_opt(cli_common *cc, int c, const char *arg, char **argv, const char *usage);
/* A context set up from the common options (threads, progress bar, memory
 * limit). */
lr_ctx *cli_ctx(const cli_common *cc);
/* "512M", "8G", "0.5T", "1048576", "2GiB", "75%" (of lr_mem_total()),
 * "unlimited" -> bytes (LR_MEM_UNLIMITED for "unlimited"); dies with exit 2
 * naming opt on anything else (0, negative, unknown suffix). */
int64_t cli_parse_size(const cli_common *cc, const char *opt, const char *s);
/* Declares the command's planned peak (see lr_ctx_set_mem_plan: per_input x
 * the input matrix + per_side x (rows + cols) elements) so that the reader
 * refuses a too-large input from its header; shrink names the command's
 * options that make the input smaller (may be NULL). */
void cli_mem_plan(const cli_common *cc, lr_ctx *ctx, double per_input, double per_side,
                  const char *shrink);

/* Prints "lowrank CMD: message" to stderr and exits with code. */
_Noreturn void cli_die(const cli_common *cc, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Exit code for a library status: 2 for bad input, 1 for runtime failure. */
int cli_exit_code(lr_status s);
/* Dies with the context's message when s != LR_OK. */
void cli_check(const cli_common *cc, lr_ctx *ctx, lr_status s);
/* Informational line on stderr unless --quiet. */
void cli_info(const cli_common *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict number parsing: the whole string must be a number within
 * [lo, hi]; otherwise dies with exit 2 naming the option. */
int64_t cli_parse_int(const cli_common *cc, const char *opt, const char *s,
                      int64_t lo, int64_t hi);
double cli_parse_double(const cli_common *cc, const char *opt, const char *s,
                        double lo, double hi);
/* --dtype: "f32"/"float32" or "f64"/"float64"; otherwise dies with exit 2. */
lr_dtype cli_parse_dtype(const cli_common *cc, const char *s);
/* "5,10,20" -> up to max integers in [lo,hi]; returns the count. */
int cli_parse_int_list(const cli_common *cc, const char *opt, const char *s,
                       int64_t *out, int max, int64_t lo, int64_t hi);

/* Makes folder `dir` (one level) if missing; dies with exit 2 if it cannot. */
void cli_make_outdir(const cli_common *cc, const char *dir);
/* Input `in` must be a readable file (`kind` names it: "an image file"),
 * output `out` must not be the input or a folder, and its folder must be
 * writable; otherwise dies with exit 2. */
void cli_check_paths(const cli_common *cc, const char *kind, const char *in, const char *out);
/* Dies with exit 2 unless a file can really be written in dir. */
void cli_probe_dir(const cli_common *cc, const char *dir);
/* Joins dir and name into buf. */
const char *cli_path(char *buf, size_t n, const char *dir, const char *name);

/* ---- The result set of a run (svd, nmf, topics) ---------------------------
 * Result files are written complete under hidden part names
 * (DIR/.NAME.part-PID) and renamed into place together at the end.  Until
 * then, exit (cli_die included), SIGINT, SIGTERM, SIGHUP and an MPI abort
 * remove the parts written so far and an output folder this run created
 * (only while empty: nothing else is ever removed).  One set per process;
 * cli_common_init empties it. */
enum { CLI_OUT_MAX = 16 };
/* Installs that cleanup (atexit, the three signals, cli_abort_cleanup). */
void cli_out_guard(void);
/* Remembers dir (just created by this run) for removal on failure. */
void cli_out_made_dir(const char *dir);
/* Reserves result NAME in DIR and returns the part path to write it to
 * (removed on failure from now on: a writer that fails leaves nothing, and
 * unlinking a missing file is harmless).  At most CLI_OUT_MAX. */
const char *cli_out_add(const char *dir, const char *name);
/* The final path of the i-th reserved result. */
const char *cli_out_final(int i);
/* Renames every part into place, in the order reserved; dies with exit 1
 * (naming the file, and whether the set is now mixed) when one fails. */
void cli_out_commit(const cli_common *cc);

/* Writes a cJSON tree atomically to path (pretty-printed). */
lr_status cli_write_json(lr_ctx *ctx, const char *path, const cJSON *root);
/* Prints the report on stdout when --json. */
void cli_print_json(const cli_common *cc, const cJSON *root);

/* Seconds on a monotonic clock. */
double cli_now(void);
/* Peak resident memory of this process in bytes (getrusage). */
int64_t cli_peak_rss(void);

/* ---- MPI mode (set only in the lowrank-mpi binary, src/mpi/) ------------
 * The subcommands that run distributed (svd, separate) read this pointer:
 * NULL in `lowrank`.  Rank 0 reads the input and writes every output; the
 * bands of rows travel through these calls, the library's reductions
 * through `rd` (svd.h). */
typedef struct cli_mpi_ops {
    int rank, size;
    /* Rank 0's full matrix (ignored on the others) -> this rank's band of
     * rows (allocated; freed with lr_mat_free) and its lr_rowdist. */
    lr_status (*scatter)(lr_ctx *ctx, const lr_mat *full, lr_mat *band, lr_rowdist *rd);
    /* Every rank's band -> the whole matrix on rank 0 (allocated there;
     * empty elsewhere). */
    lr_status (*gather)(lr_ctx *ctx, const lr_mat *band, lr_mat *full);
    /* This rank's rows of an m-row matrix, and the reduction hook. */
    void (*band)(int64_t m, int64_t *row0, int64_t *rows);
    lr_allreduce_fn allreduce;
    /* Waits for every rank (rank 0's input checks come first). */
    void (*barrier)(void);
    /* Ends every rank with exit code `code` (from cli_die). */
    void (*abort)(int code);
    /* Adds the "mpi" object (ranks, allreduce calls and bytes) to a report
     * and returns a one-line summary. */
    const char *(*report)(cJSON *root, char *buf, size_t n);
} cli_mpi_ops;
extern const cli_mpi_ops *cli_mpi;
/* Run by cli_die before an MPI abort (the abort skips atexit handlers). */
extern void (*cli_abort_cleanup)(void);

/* Subcommands: each returns the process exit code. */
int cmd_svd(int argc, char **argv);
int cmd_compress(int argc, char **argv);
int cmd_decompress(int argc, char **argv);
int cmd_separate(int argc, char **argv);
int cmd_nmf(int argc, char **argv);
int cmd_topics(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
#endif
