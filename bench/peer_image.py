#!/usr/bin/python3
"""peer_image.py -- the image-compression reference: NumPy's full SVD of an
image and the best PSNR any rank-k approximation can reach (Eckart-Young),
plus an independent PSNR check of images decoded by `lowrank decompress`.

The image is read with OpenCV (python3-opencv), scaled to [0,1] (peak 1.0, as
lowrank reports PSNR); a colour image is factorized per channel (R, G, B).
For each k:  MSE_opt = sum_c sum_{i>k} sigma_{c,i}^2 / (m n channels),
PSNR_opt = 10 log10(1 / MSE_opt).  This optimum is for the unrounded,
unclipped float reconstruction: a decoded 8-bit PNG adds rounding noise, while
clipping to [0,1] can remove a little error, so a measured PSNR may sit a few
hundredths of a dB on either side of it.

--decoded-dir DIR: compares DIR/k<K>.png with the original for each k
(PSNR computed here, not taken from lowrank's report).

Output: JSON lines on stdout:
  {"bench": "image_svd", "image", "rows", "cols", "channels", "svd_s"}
  {"bench": "image_optimum", "image", "k", "psnr_opt_db", "storage"}
  {"bench": "image_check", "image", "k", "psnr_db", "file"}
Run with /usr/bin/python3.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover
    sys.exit("peer_image.py: needs python3-opencv (scripts/deps.sh bench); "
             "run it with /usr/bin/python3")


def load(path):
    a = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if a is None:
        sys.exit(f"peer_image.py: cannot read {path}")
    peak = 65535.0 if a.dtype == np.uint16 else 255.0
    if a.ndim == 3:
        if a.shape[2] == 4:
            a = a[:, :, :3]
        a = a[:, :, ::-1]  # BGR -> RGB
        chans = [a[:, :, c] for c in range(a.shape[2])]
    else:
        chans = [a]
    return [c.astype(np.float64) / peak for c in chans]


def psnr(mse):
    return math.inf if mse <= 0 else 10.0 * math.log10(1.0 / mse)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image")
    ap.add_argument("--ks", default="5,10,20,50", help="ranks (default 5,10,20,50)")
    ap.add_argument("--repeat", type=int, default=3, help="SVD timings, best kept (3)")
    ap.add_argument("--decoded-dir", default=None,
                    help="folder holding k<K>.png decoded images to check")
    a = ap.parse_args()
    ks = [int(x) for x in a.ks.split(",") if x.strip()]
    name = os.path.splitext(os.path.basename(a.image))[0]
    chans = load(a.image)
    m, n = chans[0].shape

    best = math.inf
    svals = None
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        svals = [np.linalg.svd(c, compute_uv=False) for c in chans]
        best = min(best, time.perf_counter() - t0)
    # Timing of the SVD with vectors too (what a NumPy compressor needs).
    t0 = time.perf_counter()
    for c in chans:
        np.linalg.svd(c, full_matrices=False)
    t_uv = time.perf_counter() - t0
    print(json.dumps({"bench": "image_svd", "image": name, "path": os.path.abspath(a.image),
                      "rows": m, "cols": n, "channels": len(chans),
                      "svd_values_s": round(best, 4), "svd_s": round(t_uv, 4)}))
    total = m * n * len(chans)
    for k in ks:
        tail = sum(float((s[k:] ** 2).sum()) for s in svals)
        print(json.dumps({"bench": "image_optimum", "image": name, "k": k,
                          "psnr_opt_db": psnr(tail / total),
                          "storage": k * (m + n + 1) / (m * n)}))
    if a.decoded_dir:
        for k in ks:
            f = os.path.join(a.decoded_dir, f"k{k}.png")
            if not os.path.exists(f):
                continue
            dec = load(f)
            if len(dec) != len(chans) or dec[0].shape != chans[0].shape:
                print(json.dumps({"bench": "image_check", "image": name, "k": k,
                                  "file": f, "error": "decoded image has another shape"}))
                continue
            mse = sum(float(((d - c) ** 2).sum()) for d, c in zip(dec, chans)) / total
            print(json.dumps({"bench": "image_check", "image": name, "k": k,
                              "psnr_db": psnr(mse), "file": f}))


if __name__ == "__main__":
    main()
