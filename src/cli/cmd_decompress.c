/* cmd_decompress.c -- `lowrank decompress IN.lrz -o OUT.png`: rebuilds the
 * image sum_i sigma_i u_i v_i^T per channel from a .lrz file, clamps it to
 * [0,1] and writes an 8-bit PNG atomically.  The file is checked (magic,
 * version, header CRC, sizes against the payload, zstd checksum) before any
 * pixel is computed; a damaged file leaves an existing OUT.png untouched. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: lowrank decompress IN.lrz -o OUT.png [options]\n"
    "\n"
    "Turns a .lrz file written by 'lowrank compress' back into an image: the\n"
    "product U diag(sigma) V^T of each channel, clamped to [0,1], written as an\n"
    "8-bit gray or RGB PNG.  Damaged, truncated or newer-version files are\n"
    "refused with a message; the output is then not touched.\n"
    "\n"
    "options:\n"
    "  -o, --output PATH     the PNG to write (required); never the input itself\n"
    "  --max-pixels N        refuse files declaring more pixels (default\n"
    "                        268435456 = 2^28)\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: the factors plus the image in float32 (4 bytes per sample) and\n"
    "one 8-bit row.  Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

enum { OPT_MAXPIX = 2101 };


int cmd_decompress(int argc, char **argv)
{
    cli_common cco;
    cli_common_init(&cco, "lowrank decompress");
    const cli_common *cc = &cco;
    const char *out = NULL;
    int64_t max_pixels = LR_IMAGE_MAX_PIXELS_DEFAULT;
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"max-pixels", required_argument, 0, OPT_MAXPIX},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(cc, argv);
        if (cli_common_opt(&cco, c, optarg, usage)) continue;
        if (c == 'o') out = optarg;
        else if (c == OPT_MAXPIX)
            max_pixels = cli_parse_int(cc, "--max-pixels", optarg, 1, INT64_MAX);
    }
    if (optind >= argc) cli_die(cc, EXIT_USAGE, "no input .lrz file; see '%s --help'", cc->prog);
    if (argc - optind > 1)
        cli_die(cc, EXIT_USAGE, "one input file only, got '%s' and '%s'", argv[optind],
                argv[optind + 1]);
    const char *in = argv[optind];
    if (!out) cli_die(cc, EXIT_USAGE, "no output: give -o OUT.png");
    cli_check_paths(cc, "a .lrz file", in, out);

    double t0 = cli_now();
    lr_ctx *ctx = cli_ctx(cc);
    /* Peak: the reconstructed image in float32 plus the factors (1.05x). */
    cli_mem_plan(cc, ctx, 1.1, 0, NULL);
    lr_lrz *z;
    cli_check(cc, ctx, lr_lrz_read(ctx, in, max_pixels, &z));
    lr_image *img;
    cli_check(cc, ctx, lr_lrz_reconstruct(ctx, z, 0, LR_F32, &img));
    cli_check(cc, ctx, lr_image_write_png(ctx, img, out));
    struct stat st;
    int64_t in_bytes = stat(in, &st) == 0 ? (int64_t)st.st_size : -1;
    int64_t out_bytes = stat(out, &st) == 0 ? (int64_t)st.st_size : -1;
    double secs = cli_now() - t0;
    int64_t h = lr_lrz_height(z), w = lr_lrz_width(z), k = lr_lrz_rank(z);
    int C = lr_lrz_channels(z), bits = lr_lrz_bits(z);

    cli_info(cc, "%s: %s (%lld x %lld %s, rank %lld, %d-bit factors, %lld bytes) -> %s "
             "(%lld bytes) in %.2f s", cc->prog, in, (long long)w, (long long)h,
             C == 3 ? "RGB" : "gray", (long long)k, bits, (long long)in_bytes, out,
             (long long)out_bytes, secs);
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "command", "decompress");
    cJSON_AddStringToObject(js, "input", in);
    cJSON_AddStringToObject(js, "output", out);
    cJSON_AddNumberToObject(js, "height", (double)h);
    cJSON_AddNumberToObject(js, "width", (double)w);
    cJSON_AddNumberToObject(js, "channels", C);
    cJSON_AddNumberToObject(js, "k", (double)k);
    cJSON_AddNumberToObject(js, "bits", bits);
    cJSON_AddNumberToObject(js, "lrz_bytes", (double)in_bytes);
    cJSON_AddNumberToObject(js, "png_bytes", (double)out_bytes);
    cJSON_AddNumberToObject(js, "seconds", secs);
    cJSON_AddNumberToObject(js, "peak_rss_bytes", (double)cli_peak_rss());
    cli_print_json(cc, js);
    cJSON_Delete(js);
    lr_image_destroy(img);
    lr_lrz_destroy(z);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}
