#!/usr/bin/python3
"""make_matrix.py -- the benchmark's video matrix, built with Debian's
python3-opencv (until lowrank's own video reader replaces it).

Reads vtest.avi with cv2.VideoCapture, converts each frame to grayscale
(cv2.COLOR_BGR2GRAY), resizes it with cv2.INTER_AREA (pixel averaging) to
320x240 (default) or 160x120 (--small / --size), scales to [0,1] and stores
frame j as column j: a (w*h) x frames matrix, pixel index y*w + x within a
column.  Written as .npy in Fortran (column-major) order, float32 and float64:

    CACHE/vtest_320x240_f32.npy   76,800 x 795, 244 MB
    CACHE/vtest_320x240_f64.npy   76,800 x 795, 488 MB

Existing files are kept (--force rebuilds).  Prints one JSON line per file on
stdout: {"matrix": path, "dtype", "rows", "cols", "frames_read", ...}.

Run with /usr/bin/python3 (Debian's, with numpy and cv2).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover - message for the user
    sys.exit("make_matrix.py: needs python3-opencv (Debian): scripts/deps.sh bench, "
             "and run it with /usr/bin/python3")


def parse_size(s):
    try:
        w, h = s.lower().split("x")
        w, h = int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 320x240, not {s!r}")
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, not {s!r}")
    return w, h


def read_frames(path, w, h, max_frames):
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        sys.exit(f"make_matrix.py: cannot open {path} with OpenCV "
                 "(run scripts/fetch-samples.sh first)")
    rows = []
    while max_frames <= 0 or len(rows) < max_frames:
        ok, frame = cap.read()
        if not ok:
            break
        g = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if g.shape != (h, w):
            g = cv2.resize(g, (w, h), interpolation=cv2.INTER_AREA)
        rows.append(g.reshape(-1))
    cap.release()
    if not rows:
        sys.exit(f"make_matrix.py: no frame could be decoded from {path}")
    # frames x pixels in C order == pixels x frames in Fortran order (no copy)
    return np.stack(rows)


def save_npy_atomic(path, arr):
    tmp = path + ".tmp-%d.npy" % os.getpid()
    try:
        np.save(tmp, arr)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=os.path.join(here, "..", ".cache", "samples"),
                    help="sample cache folder (default: .cache/samples)")
    ap.add_argument("--video", default=None,
                    help="input clip (default: CACHE/vtest.avi)")
    ap.add_argument("--size", type=parse_size, default=(320, 240),
                    help="frame size WxH after resizing (default 320x240)")
    ap.add_argument("--small", action="store_true", help="same as --size 160x120")
    ap.add_argument("--dtype", default="f32,f64",
                    help="comma list of f32, f64 (default f32,f64)")
    ap.add_argument("--frames", type=int, default=0,
                    help="read at most this many frames (default 0 = all)")
    ap.add_argument("--force", action="store_true", help="rebuild existing files")
    a = ap.parse_args()

    w, h = (160, 120) if a.small else a.size
    video = a.video or os.path.join(a.cache, "vtest.avi")
    stem = os.path.splitext(os.path.basename(video))[0]
    suffix = f"_n{a.frames}" if a.frames > 0 else ""
    dtypes = [d.strip() for d in a.dtype.split(",") if d.strip()]
    for d in dtypes:
        if d not in ("f32", "f64"):
            sys.exit(f"make_matrix.py: --dtype: unknown {d!r} (f32 or f64)")
    outs = {d: os.path.join(a.cache, f"{stem}_{w}x{h}{suffix}_{d}.npy") for d in dtypes}

    todo = [d for d in dtypes if a.force or not os.path.exists(outs[d])]
    frames = None
    t_decode = 0.0
    if todo:
        t0 = time.perf_counter()
        frames = read_frames(video, w, h, a.frames)
        t_decode = time.perf_counter() - t0
    for d in dtypes:
        path = os.path.abspath(outs[d])
        if d in todo:
            dt = np.float32 if d == "f32" else np.float64
            fa = (frames.astype(dt) / dt(255.0)).T  # Fortran order, pixels x frames
            assert fa.flags.f_contiguous
            save_npy_atomic(path, fa)
            built = True
            rows, cols = fa.shape
        else:
            m = np.load(path, mmap_mode="r")
            rows, cols = m.shape
            built = False
        print(json.dumps({"matrix": path, "dtype": d, "rows": rows, "cols": cols,
                          "frame_size": f"{w}x{h}", "built": built,
                          "decode_s": round(t_decode, 3) if built else None}),
              flush=True)


if __name__ == "__main__":
    main()
