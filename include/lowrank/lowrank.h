/* lowrank.h -- the umbrella header of liblowrank.  Include this one.
 *
 *   core.h   version, status codes, the lr_ctx context (errors, progress,
 *            threads, allocator)
 *   mat.h    dense column-major matrix views (float32 / float64)
 *   svd.h    linear operators; exact, randomized, fixed-accuracy and
 *            block-Krylov SVD
 *   rpca.h   robust PCA (principal component pursuit) and the low-rank
 *            background model, foreground masks
 *   sparse.h compressed sparse row matrices and their operator
 *   nmf.h    non-negative matrix factorization
 *   rec.h    recommendations from ratings (ALS-WR, implicit ALS, fold-in)
 *   media.h  .npy files, PNG/JPEG images, .lrz compressed images, video
 */
#ifndef LOWRANK_H
#define LOWRANK_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/svd.h"
#include "lowrank/rpca.h"
#include "lowrank/sparse.h"
#include "lowrank/nmf.h"
#include "lowrank/rec.h"
#include "lowrank/media.h"
#endif

