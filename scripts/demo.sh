#!/usr/bin/env bash
# demo.sh BUILD_DIR [OUT_DIR] -- the main job of `make demo`:
#  1. fetches the samples from Debian packages (scripts/fetch-samples.sh);
#  2. lowrank separate on OpenCV's vtest.avi at 320x240, all 795 frames:
#     background / foreground / mask videos and figures in OUT_DIR/separate;
#  3. lowrank compress of scikit-image's camera.png: the contact sheet for
#     k = 5,10,20,50 (OUT_DIR/camera-sweep.png), and a rank-50 .lrz file
#     decoded back to PNG;
#  4. prints where the results are and what to open first.
# OUT_DIR defaults to demo-out/ in the repository.  Exit 0 when every step
# that exists ran; 1 when one failed (the others still run).
set -uo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -lt 1 ] && exit 2 || exit 0
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || { echo "demo: no build folder $1 (run make build)" >&2; exit 2; }
outdir=${2:-$repo/demo-out}
lowrank=$build/lowrank
[ -x "$lowrank" ] || { echo "demo: $lowrank is not built (run make build)" >&2; exit 1; }
mkdir -p "$outdir" || exit 1
outdir=$(cd "$outdir" && pwd)

say() { printf '\n== %s ==\n' "$*"; }
failed=0
placeholder() {  # true when the subcommand is still the "not implemented" stub
    "$lowrank" "$1" 2>&1 >/dev/null | grep -qi "not implemented"
}

say "Samples (Debian packages opencv-doc, python3-skimage, python3-scipy)"
vtest= camera= ascent=
samples=$("$repo/scripts/fetch-samples.sh")
fetch_rc=$?
eval "$(echo "$samples" | grep -E '^(vtest|camera|ascent)=' | sed 's/=\(.*\)/="\1"/')"
echo "$samples" | sed 's/^/  /'
[ $fetch_rc -ne 0 ] && failed=1

# ---- 1. video: background / foreground separation ----------------------------------
say "lowrank separate: vtest.avi at 320x240, all frames"
sep_dir=$outdir/separate
sep_ok=0
if [ -z "$vtest" ]; then
    echo "  skipped: vtest.avi is not available (see the messages above)"
elif placeholder separate; then
    echo "  skipped: 'lowrank separate' is still a placeholder in this build"
else
    cmd=("$lowrank" separate "$vtest" -o "$sep_dir" --size 320x240)
    echo "  ${cmd[*]}"
    start=$(date +%s.%N)
    if "${cmd[@]}"; then
        sep_ok=1
        awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "  took %.1f s\n", b - a }'
    else
        echo "  lowrank separate failed (exit $?)"
        failed=1
    fi
fi

# ---- 2. image: rank-k compression ----------------------------------------------------
say "lowrank compress: rank sweep and a .lrz round trip"
img=
for cand in "$camera" "$ascent"; do
    [ -n "$cand" ] && [ -f "$cand" ] && { img=$cand; break; }
done
if [ -z "$img" ]; then
    img=$(find "$repo/.cache/samples/opencv-doc" -name baboon.jpg 2>/dev/null | head -n 1)
fi
cmp_ok=0
name=$(basename "${img%.*}")
if [ -z "$img" ]; then
    echo "  skipped: no sample image (install python3-skimage: scripts/deps.sh bench)"
elif placeholder compress; then
    echo "  skipped: 'lowrank compress' is still a placeholder in this build"
else
    echo "  $lowrank compress $img --sweep 5,10,20,50 -o $outdir/$name-sweep.png"
    if "$lowrank" compress "$img" --sweep 5,10,20,50 -o "$outdir/$name-sweep.png"; then
        cmp_ok=1
    else
        echo "  lowrank compress --sweep failed"; failed=1
    fi
    echo "  $lowrank compress $img -k 50 -o $outdir/$name-k50.lrz"
    if "$lowrank" compress "$img" -k 50 -o "$outdir/$name-k50.lrz" &&
       "$lowrank" decompress "$outdir/$name-k50.lrz" -o "$outdir/$name-k50.png"; then
        cmp_ok=1
    else
        echo "  lowrank compress -k 50 / decompress failed"; failed=1
    fi
fi

# ---- where to look ----------------------------------------------------------------------
say "Results in $outdir"
if [ $sep_ok = 1 ]; then
    panel=$(ls "$sep_dir"/panel-*.png 2>/dev/null | head -n 1)
    echo "  Open first: ${panel:-$sep_dir/panel-NNNN.png}"
    echo "      one frame as original | low-rank background | sparse foreground"
    echo "  Then:       $sep_dir/foreground.mp4 and mask.mp4 (the people walking),"
    echo "              background.mp4 (the empty scene), matrix.png (the video as a"
    echo "              pixels x frames matrix: moving people are the streaks),"
    echo "              report.json (iterations, rank, timings, memory)"
fi
if [ $cmp_ok = 1 ]; then
    echo "  Image:      $outdir/$name-sweep.png (reconstructions at k = 5..50 with"
    echo "              storage and PSNR, and the singular-value spectrum);"
    echo "              $name-k50.lrz and its decoded $name-k50.png"
fi
[ $sep_ok = 0 ] && [ $cmp_ok = 0 ] && echo "  nothing was produced (see the messages above)"
exit $failed
