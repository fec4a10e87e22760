/* test_core.c -- context, status messages, matrix views, atomic files. */
#include <math.h>
#include <string.h>
#include "testutil.h"

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_mat m;
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F64, 3, 2, &m));
    CHECK(m.ld == 3 && lr_mat_get(&m, 2, 1) == 0.0, "zeroed alloc");
    lr_mat_set(&m, 2, 1, 5.0);
    CHECK(((double *)m.data)[2 + 3] == 5.0, "column-major layout");
    CHECK_OK(ctx, lr_mat_check_finite(ctx, &m, "m"));
    lr_mat_set(&m, 1, 0, NAN);
    CHECK(lr_mat_check_finite(ctx, &m, "m") == LR_ERR_DATA, "NaN detected");
    CHECK(strstr(lr_ctx_errmsg(ctx), "row 1, column 0") != NULL, "message names the place: %s",
          lr_ctx_errmsg(ctx));
    lr_mat f;
    lr_mat_set(&m, 1, 0, 2.0);
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F32, 3, 2, &f));
    CHECK_OK(ctx, lr_mat_copy(ctx, &m, &f));
    CHECK(lr_mat_get(&f, 2, 1) == 5.0f && lr_mat_get(&f, 1, 0) == 2.0f, "convert f64->f32");
    CHECK(fabs(lr_mat_frob2(ctx, &m) - 29.0) < 1e-12, "frob2 = %g", lr_mat_frob2(ctx, &m));
    lr_mat_free(ctx, &f);
    CHECK(lr_mat_alloc(ctx, LR_F64, INT64_MAX / 2, 4, &f) != LR_OK, "overflowing size refused");
    lr_mat_free(ctx, &m);
    lr_mat_free(ctx, &f);
    lr_mat_free(ctx, NULL);

    /* Atomic files: abort leaves the previous content, commit replaces it. */
    const char *dir = tu_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    FILE *fp = fopen(path, "w");
    fputs("old", fp);
    fclose(fp);
    lr_outfile *of;
    CHECK_OK(ctx, lr_outfile_open(ctx, path, &of));
    fputs("new-partial", lr_outfile_fp(of));
    lr_outfile_abort(of);
    char buf[64] = {0};
    fp = fopen(path, "r");
    fgets(buf, sizeof buf, fp);
    fclose(fp);
    CHECK(!strcmp(buf, "old"), "abort keeps the old file, got '%s'", buf);
    CHECK_OK(ctx, lr_outfile_open(ctx, path, &of));
    fputs("new", lr_outfile_fp(of));
    CHECK_OK(ctx, lr_outfile_commit(ctx, of));
    fp = fopen(path, "r");
    fgets(buf, sizeof buf, fp);
    fclose(fp);
    CHECK(!strcmp(buf, "new"), "commit replaces, got '%s'", buf);
    CHECK(lr_outfile_open(ctx, "/nonexistent-dir/x.txt", &of) == LR_ERR_IO, "missing folder refused");
    CHECK(strstr(lr_ctx_errmsg(ctx), "/nonexistent-dir") != NULL, "message names the folder");
    lr_outfile_abort(NULL);
    lr_ctx_destroy(ctx);
    lr_ctx_destroy(NULL);
    return tu_done("test_core");
}
