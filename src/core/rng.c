/* rng.c -- Gaussian test matrices from Philox4x32-10 (Random123).
 * Counter-based: entry (i,j) is a pure function of (seed, stream, i + j*rows),
 * so any thread layout produces the same matrix. */
#include <Random123/philox.h>
#include <math.h>
#include "kernel.h"

static inline double u01(uint32_t x) { return (x + 0.5) * (1.0 / 4294967296.0); }

void k_randn(lr_ctx *ctx, uint64_t seed, uint64_t stream, lr_mat *M)
{
    int64_t m = M->rows, n = M->cols;
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx)) if (m * n > 65536)
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = 0; i < m; i++) {
            uint64_t e = (uint64_t)i + (uint64_t)j * (uint64_t)m;
            uint64_t c = e >> 2;
            philox4x32_ctr_t ctr = {{(uint32_t)c, (uint32_t)(c >> 32), (uint32_t)stream,
                                     (uint32_t)(stream >> 32)}};
            philox4x32_ctr_t r = philox4x32(ctr, key);
            int pair = (int)((e & 3) >> 1);
            double rad = sqrt(-2.0 * log(u01(r.v[2 * pair])));
            double ang = 2.0 * M_PI * u01(r.v[2 * pair + 1]);
            double z = rad * ((e & 1) ? sin(ang) : cos(ang));
            lr_mat_set(M, i, j, z);
        }
    }
}
