#!/usr/bin/env bash
# fetch-samples.sh [CACHE_DIR] -- the sample data of the demo and benchmarks,
# taken from Debian packages only (nothing else is downloaded):
#   vtest.avi   OpenCV's sample clip (795 frames, 768x576), from the package
#               opencv-doc: `apt-get download` (no root needed) + `dpkg-deb -x`
#   camera.png  scikit-image's 512x512 "camera" (package python3-skimage)
#   ascent.png  SciPy's 512x512 "ascent" (package python3-scipy, scipy/misc/
#               ascent.dat, a pickled array converted to PNG)
# CACHE_DIR defaults to .cache/samples under the repository (git-ignored).
# Idempotent: what is already in the cache is kept.  An image whose package is
# missing is skipped with a note (run `scripts/deps.sh bench`).
#
# stdout: one NAME=PATH line per sample available (vtest, camera, ascent);
# messages on stderr.  Exit 1 when vtest.avi cannot be obtained.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/samples}
PY=/usr/bin/python3   # Debian's python3 (numpy, opencv); not a pyenv one

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
say() { echo "fetch-samples: $*" >&2; }

# ---- vtest.avi from opencv-doc ----------------------------------------------
# The package is extracted under $cache/opencv-doc; its 240 MB of HTML
# documentation are removed, the examples (and their data/) are kept.
# $cache/vtest.avi is a symbolic link to the extracted clip.
get_vtest() {
    local link=$cache/vtest.avi
    local found
    found=$(find "$cache/opencv-doc" -name vtest.avi -type f 2>/dev/null | head -n 1 || true)
    if [ -z "$found" ]; then
        say "downloading opencv-doc (about 96 MB) with apt-get download into $cache"
        local log
        log=$(mktemp)
        if ! (cd "$cache" && apt-get download opencv-doc) >"$log" 2>&1; then
            say "apt-get download opencv-doc failed:"
            sed 's/^/    /' "$log" >&2
            say "Debian's archive must be reachable and the package lists present"
            say "(as root: apt-get update).  Or put vtest.avi in $cache yourself."
            rm -f "$log"
            return 1
        fi
        rm -f "$log"
        local deb
        deb=$(ls -t "$cache"/opencv-doc_*.deb 2>/dev/null | head -n 1 || true)
        if [ -z "$deb" ]; then
            say "apt-get download reported success but no opencv-doc_*.deb is in $cache"
            return 1
        fi
        rm -rf "$cache/opencv-doc.tmp"
        if ! dpkg-deb -x "$deb" "$cache/opencv-doc.tmp"; then
            say "dpkg-deb -x $deb failed (truncated download?); it was removed, run again"
            rm -rf "$cache/opencv-doc.tmp" "$deb"
            return 1
        fi
        rm -rf "$cache/opencv-doc.tmp/usr/share/doc/opencv-doc/opencv4"
        rm -rf "$cache/opencv-doc"
        mv "$cache/opencv-doc.tmp" "$cache/opencv-doc"
        rm -f "$deb"
        found=$(find "$cache/opencv-doc" -name vtest.avi -type f | head -n 1 || true)
        if [ -z "$found" ]; then
            say "opencv-doc was extracted into $cache/opencv-doc but holds no vtest.avi"
            return 1
        fi
    fi
    if [ ! -e "$link" ] || [ "$(readlink -f "$link")" != "$(readlink -f "$found")" ]; then
        [ -L "$link" ] && rm -f "$link"
        [ -e "$link" ] || ln -s "${found#"$cache"/}" "$link"
    fi
    # A look at the clip when OpenCV's Python binding is there (optional).
    if "$PY" -c 'import cv2' 2>/dev/null; then
        "$PY" - "$link" >&2 <<'EOF' || true
import sys, cv2
c = cv2.VideoCapture(sys.argv[1])
n = int(c.get(cv2.CAP_PROP_FRAME_COUNT))
w = int(c.get(cv2.CAP_PROP_FRAME_WIDTH)); h = int(c.get(cv2.CAP_PROP_FRAME_HEIGHT))
print(f"fetch-samples: vtest.avi: {n} frames (container's count), {w}x{h}")
EOF
    fi
    echo "vtest=$link"
}

# ---- camera.png from python3-skimage ----------------------------------------
get_camera() {
    local out=$cache/camera.png
    if [ ! -s "$out" ]; then
        local src=
        for d in /usr/lib/python3/dist-packages/skimage/data \
                 /usr/share/python3-skimage/data; do
            [ -f "$d/camera.png" ] && { src=$d/camera.png; break; }
        done
        if [ -z "$src" ]; then
            src=$(dpkg -L python3-skimage 2>/dev/null | grep '/data/camera\.png$' | head -n 1 || true)
        fi
        if [ -z "$src" ] || [ ! -f "$src" ]; then
            say "camera.png skipped: python3-skimage is not installed (scripts/deps.sh bench)"
            return 0
        fi
        cp "$src" "$out.tmp" && mv "$out.tmp" "$out"
        say "camera.png copied from $src"
    fi
    echo "camera=$out"
}

# ---- ascent.png from python3-scipy ------------------------------------------
get_ascent() {
    local out=$cache/ascent.png
    if [ ! -s "$out" ]; then
        local src=
        src=$(dpkg -L python3-scipy 2>/dev/null | grep '/misc/ascent\.dat$' | head -n 1 || true)
        [ -z "$src" ] && [ -f /usr/lib/python3/dist-packages/scipy/misc/ascent.dat ] &&
            src=/usr/lib/python3/dist-packages/scipy/misc/ascent.dat
        if [ -z "$src" ] || [ ! -f "$src" ]; then
            say "ascent.png skipped: python3-scipy's ascent.dat is not installed (scripts/deps.sh bench)"
            return 0
        fi
        # ascent.dat is a pickled 512x512 integer array with values 0..255.
        if ! "$PY" - "$src" "$out.tmp.png" <<'EOF'
import pickle, sys
import numpy as np, cv2
with open(sys.argv[1], "rb") as f:
    a = np.asarray(pickle.load(f))
if a.ndim != 2 or a.min() < 0 or a.max() > 255:
    sys.exit(f"unexpected ascent array: shape {a.shape}, range {a.min()}..{a.max()}")
if not cv2.imwrite(sys.argv[2], a.astype(np.uint8)):
    sys.exit("cv2.imwrite failed")
EOF
        then
            rm -f "$out.tmp.png"
            say "ascent.png skipped: converting $src needs $PY with numpy and python3-opencv"
            return 0
        fi
        mv "$out.tmp.png" "$out"
        say "ascent.png converted from $src"
    fi
    echo "ascent=$out"
}

rc=0
get_vtest || rc=1
get_camera
get_ascent
exit $rc
