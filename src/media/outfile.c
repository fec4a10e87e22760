/* outfile.c -- atomic output: temporary name in the target folder, fsync,
 * rename.  A reader never sees a half-written file under the final name. */
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lr_outfile {
    FILE *fp;
    char *path;
    char *tmp;
    lr_allocator alloc; /* the opening context's: abort has no context */
};

static void split_dir(const char *path, char *dir, size_t dn, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dn, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dn, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dn, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

static void outfile_free(lr_outfile *f)
{
    lr_ctx own = {0};
    own.alloc = f->alloc;
    lr__free(&own, f->tmp);
    lr__free(&own, f->path);
    lr__free(&own, f);
}

lr_status lr_outfile_open(lr_ctx *ctx, const char *path, lr_outfile **out)
{
    *out = NULL;
    char dir[4096];
    const char *base;
    if (!path || !*path)
        return lr__err(ctx, LR_ERR_ARG, "output path is empty");
    split_dir(path, dir, sizeof dir, &base);
    if (!*base)
        return lr__err(ctx, LR_ERR_ARG, "output path '%s' names a folder, not a file", path);
    size_t pl = strlen(path) + 1, tl = pl + 32;
    lr_outfile *f = lr__calloc(ctx, 1, sizeof *f, "an output file");
    if (!f) return lr__err_prefix(ctx, LR_ERR_NOMEM, "opening '%s'", path);
    if (ctx) f->alloc = ctx->alloc;
    if (!(f->path = lr__malloc(ctx, pl, "an output path")) ||
        !(f->tmp = lr__malloc(ctx, tl, "a temporary path"))) {
        lr__free(ctx, f->path);
        lr__free(ctx, f);
        return lr__err_prefix(ctx, LR_ERR_NOMEM, "opening '%s'", path);
    }
    memcpy(f->path, path, pl);
    snprintf(f->tmp, tl, "%s%s.%s.tmp-XXXXXX", strcmp(dir, ".") ? dir : "",
             strcmp(dir, ".") ? (strcmp(dir, "/") ? "/" : "") : "", base);
    int fd = mkstemp(f->tmp);
    if (fd < 0) {
        int e = errno;
        lr_status s = lr__err(ctx, LR_ERR_IO, "cannot write into folder '%s' (%s); "
                              "check that it exists and is writable", dir, strerror(e));
        outfile_free(f);
        return s;
    }
    fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        unlink(f->tmp);
        outfile_free(f);
        return lr__err(ctx, LR_ERR_IO, "cannot open a stream for '%s'", path);
    }
    *out = f;
    return LR_OK;
}

FILE *lr_outfile_fp(lr_outfile *f) { return f->fp; }
const char *lr_outfile_tmppath(const lr_outfile *f) { return f->tmp; }

lr_status lr_outfile_commit(lr_ctx *ctx, lr_outfile *f)
{
    int bad = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
    int e = errno;
    bad |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (!bad && rename(f->tmp, f->path) != 0) {
        e = errno;
        bad = 1;
    }
    lr_status s = LR_OK;
    if (bad) {
        unlink(f->tmp);
        s = lr__err(ctx, LR_ERR_IO, "writing '%s' failed (%s); the previous file, "
                    "if any, is unchanged", f->path, strerror(e));
    } else {
        /* Make the rename itself durable. */
        char dir[4096];
        const char *base;
        split_dir(f->path, dir, sizeof dir, &base);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    outfile_free(f);
    return s;
}

void lr_outfile_abort(lr_outfile *f)
{
    if (!f) return;
    if (f->fp) fclose(f->fp);
    unlink(f->tmp);
    outfile_free(f);
}
