#!/usr/bin/python3
"""peer_mog2.py -- the quality peer of `lowrank separate`: OpenCV's
BackgroundSubtractorMOG2 (defaults: history 500, varThreshold 16, shadows
detected and marked 127, which count as background here) on a clip with a
CDnet-style truth folder (gt000001.png = frame 0; 255 foreground, 0
background, other values left out of the scores).

  peer_mog2.py CLIP GT_DIR     one JSON line: F1, precision, recall, frames/s
                               (decode + subtraction, and subtraction alone)

Frames are read with cv2.VideoCapture and converted to grey, the same luma
lowrank decodes with FFmpeg.
"""
import json
import os
import sys
import time

import cv2
import numpy as np


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    clip, gt = sys.argv[1:]
    cap = cv2.VideoCapture(clip)
    if not cap.isOpened():
        sys.exit(f"peer_mog2.py: cannot open {clip}")
    mog = cv2.createBackgroundSubtractorMOG2()
    tp = fp = fn = 0
    n = 0
    t_apply = 0.0
    t_all = 0.0
    while True:
        t0 = time.perf_counter()
        ok, frame = cap.read()
        if not ok:
            break
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        t1 = time.perf_counter()
        fg = mog.apply(grey)
        t2 = time.perf_counter()
        t_apply += t2 - t1
        t_all += t2 - t0
        truth = cv2.imread(os.path.join(gt, f"gt{n + 1:06d}.png"), cv2.IMREAD_GRAYSCALE)
        if truth is None:
            sys.exit(f"peer_mog2.py: {gt}/gt{n + 1:06d}.png missing (frame {n})")
        if truth.shape != fg.shape:
            sys.exit(f"peer_mog2.py: truth {truth.shape} vs frame {fg.shape}")
        det = fg == 255
        pos = truth == 255
        neg = truth == 0
        tp += int(np.count_nonzero(det & pos))
        fp += int(np.count_nonzero(det & neg))
        fn += int(np.count_nonzero(~det & pos))
        n += 1
    if n == 0:
        sys.exit(f"peer_mog2.py: no frames in {clip}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(json.dumps({"bench": "mog2", "impl": "opencv-mog2", "opencv": cv2.__version__,
                      "frames": n, "f1": f1, "precision": p, "recall": r,
                      "fps": n / t_all, "fps_subtract": n / t_apply,
                      "threads": cv2.getNumThreads()}))


if __name__ == "__main__":
    main()
