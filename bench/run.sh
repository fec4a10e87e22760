#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [SECTION...] -- `make bench`: lowrank beside its peers,
# measured in the same run on this machine, printed as side-by-side tables.
#
# Sections (default: all, in this order):
#   stream   STREAM triad bandwidth (bench_stream): the memory floor
#   rsvd     randomized SVD of the vtest matrix 76,800 x 795, f32 and f64
#            (time: best of 3; error: mean over 8 seeds on both sides):
#            bench_rsvd vs scikit-learn's randomized_svd (peer_rsvd.py),
#            optimum error from NumPy's full SVD, bandwidth floor
#   images   lowrank compress/decompress on camera and ascent (512x512) at
#            k = 5,10,20,50: time, PSNR vs the optimum (peer_image.py)
#   rpca     robust PCA: lowrank separate vs the NumPy IALM reference
#            (peer_rpca.py, full and partial SVD) at 160x120 and 320x240, and
#            the whole `separate` run's frames/s and peak memory
#   nmf      NMF k=10 and LSA k=100 of the TF-IDF matrix of the Debian package
#            descriptions (make_corpus.sh; TfidfVectorizer -> .mtx, so both
#            sides factor the same file): lowrank nmf / lowrank svd vs
#            scikit-learn NMF(solver='cd', init='nndsvda') / TruncatedSVD
#   topics   Debian package descriptions (bench/make_corpus.sh, ~63,700
#            documents): text -> TF-IDF, bench_tfidf vs TfidfVectorizer
#            (peer_tfidf.py: same vocabulary and entries checked), and the
#            whole `lowrank topics -k 20` NMF run vs TfidfVectorizer + NMF
#            (peer_topics.py): time, loss, NPMI, NMI with the Section labels
#   rec      recommend: InstEval (lme4, exported by Rscript) 5-fold CV RMSE of
#            ALS-WR vs bias-only vs global mean vs the NumPy ALS reference
#            (peer_als.py), time per ALS iteration; ratings/s per ALS sweep at
#            k = 32 on a planted 1,000,000-rating set (make_ratings.py)
#   mog2     foreground quality on the synthetic ground-truth video of the
#            test suite (bench/make_synthvid, 320x240 x 400 frames): lowrank
#            separate (rpca and svd) vs OpenCV's BackgroundSubtractorMOG2
#            (peer_mog2.py): F1, precision, recall, frames/s
#   window   streaming `separate --window 100` vs the batch run on vtest.avi
#            at 320x240 (half and whole clip): frames/s, peak memory, masks
#   mpi      lowrank-mpi strong scaling on this machine: 1 and 2 ranks x 1
#            thread vs one process x 2 threads, rsvd of the vtest matrix and
#            robust PCA of vtest at 160x120; reduction bytes counted by the
#            MPI glue against the model of docs/MPI.md
# A section whose parts are not built or not working prints
# "not available: <why>" and the run goes on.
#
# Settings (environment):
#   BENCH_CACHE            sample cache (default REPO/.cache/samples)
#   BENCH_KS               image ranks (default 5,10,20,50)
#   BENCH_RPCA_SIZES       default "160x120 320x240"
#   BENCH_RPCA_DTYPE       comparison precision, default f64
#   BENCH_RPCA_TOL         comparison tolerance, default 1e-7
#   BENCH_RPCA_TIME_LIMIT  seconds per NumPy peer run before it is capped and
#                          its time estimated from its per-iteration time
#                          (default 120)
#   BENCH_NMF_TOL          NMF tolerance for both sides (default 1e-4)
#   BENCH_NMF_TIGHT_TOL    our second, tighter run (default 1e-9): scikit-
#                          learn's tol bounds its projected-gradient ratio,
#                          ours the relative loss change per iteration
#   BENCH_NMF_DTYPE        our NMF/LSA precision (default f64, as sklearn)
#   BENCH_TOPICS_K         topics in the topics section (default 20)
#   (the nmf section sets OMP_WAIT_POLICY=PASSIVE unless it is set)
#   BENCH_REC_K, BENCH_REC_LAMBDA, BENCH_REC_LAMBDA_BIAS, BENCH_REC_ITERS
#                          the InstEval model (default 32, 0.35, 0.3, 15)
# Our binaries run in the environment as given; the NumPy peers run with
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (their own BLAS defaults).
# All raw results: BUILD_DIR/bench-out/results.jsonl (one JSON per line).
set -uo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    [ $# -lt 1 ] && exit 2 || exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || { echo "bench/run.sh: no build folder $1 (run make build first)" >&2; exit 2; }
shift
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(stream rsvd images rpca mog2 window mpi nmf topics rec)

PY=/usr/bin/python3          # Debian's python3: numpy, scikit-learn, opencv
cache=${BENCH_CACHE:-$repo/.cache/samples}
out=$build/bench-out
results=$out/results.jsonl
lowrank=$build/lowrank
KS=${BENCH_KS:-5,10,20,50}
mkdir -p "$out"
: >"$results"

peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"; }
na() { echo "  not available: $*"; }
hr() { printf '\n== %s ==\n' "$*"; }
want() { local s; for s in "${sections[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
# Keeps the JSON lines of a command's stdout; its stderr goes to a log file.
collect() {
    local log=$1; shift
    "$@" 2>>"$out/$log.log" | tee -a "$results" >/dev/null
    return "${PIPESTATUS[0]}"
}
have_py() { [ -x "$PY" ] && "$PY" -c "import $1" 2>/dev/null; }
# A CLI subcommand that is still a placeholder says "not implemented".
cli_ready() {
    [ -x "$lowrank" ] || { echo "lowrank CLI not built ($lowrank)"; return 1; }
    local msg
    msg=$("$lowrank" "$1" --help 2>&1 >/dev/null; "$lowrank" "$1" 2>&1 >/dev/null)
    if echo "$msg" | grep -qi "not implemented"; then
        echo "lowrank $1 is still a placeholder"; return 1
    fi
    return 0
}

# ---- header -------------------------------------------------------------------
echo "lowrank benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, build $build"
echo "  CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
read -r load1 _ </proc/loadavg
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    echo "  NOTE: load average $load1 before starting: other work is running," \
         "the timings below are unreliable"
fi
for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OMP_NUM_THREADS OPENBLAS_NUM_THREADS; do
    [ -n "${!v:-}" ] && echo "  $v=${!v} (kept for lowrank; removed for the NumPy peers)"
done

# ---- samples ------------------------------------------------------------------
vtest= camera= ascent=
samples=$("$repo/scripts/fetch-samples.sh" "$cache" 2>"$out/fetch.log")
fetch_rc=$?
eval "$(echo "$samples" | grep -E '^(vtest|camera|ascent)=' | sed 's/=\(.*\)/="\1"/')"
[ $fetch_rc -ne 0 ] && { echo "  samples: fetch-samples.sh failed (see below)"; sed 's/^/    /' "$out/fetch.log"; }

matrix() {  # matrix WxH -> prints the stem of the .npy pair, or fails
    local size=$1
    [ -n "$vtest" ] || { echo "no vtest.avi"; return 1; }
    have_py cv2 || { echo "python3-opencv missing (scripts/deps.sh bench)"; return 1; }
    local json
    json=$("$PY" "$here/make_matrix.py" --cache "$cache" --video "$vtest" \
           --size "$size" 2>>"$out/make_matrix.log") || { echo "make_matrix.py failed: $(tail -n 2 "$out/make_matrix.log")"; return 1; }
    echo "$json" >>"$results"
    echo "$cache/vtest_${size}"
}

# ---- stream -------------------------------------------------------------------
stream_done=0
run_stream() {
    [ $stream_done = 1 ] && return 0
    stream_done=1
    if [ ! -x "$build/bench_stream" ]; then
        na "bench_stream is not built ($build/bench_stream)"
        return 1
    fi
    collect stream "$build/bench_stream" || { na "bench_stream failed: $(tail -n 1 "$out/stream.log")"; return 1; }
    tail -n 1 "$out/stream.log" | sed 's/^bench_stream: /  /'
}
if want stream; then
    hr "Memory bandwidth (STREAM triad, 3 x 256 MiB, best of 10)"
    run_stream
fi

# ---- randomized SVD -------------------------------------------------------------
if want rsvd; then
    hr "Randomized SVD: lowrank vs scikit-learn"
    want stream || run_stream >/dev/null
    if stem=$(matrix 320x240); then
        for d in f32 f64; do
            if [ ! -x "$build/bench_rsvd" ]; then
                echo "{\"bench\": \"rsvd\", \"impl\": \"lowrank\", \"dtype\": \"$d\", \"error\": \"not available: bench_rsvd is not built\"}" >>"$results"
            elif ! collect rsvd "$build/bench_rsvd" "${stem}_$d.npy" -k 10 -p 10 -q 4 --repeat 3 --error-seeds 8; then
                why=$(tail -n 1 "$out/rsvd.log" | tr '"' "'")
                echo "{\"bench\": \"rsvd\", \"impl\": \"lowrank\", \"dtype\": \"$d\", \"error\": \"not available: bench_rsvd failed: $why\"}" >>"$results"
            fi
        done
        if have_py sklearn; then
            collect peer_rsvd peer "$here/peer_rsvd.py" "${stem}_f32.npy" -k 10 -p 10 -q 4 --error-seeds 8 \
                --repeat 3 --optimum || na "peer_rsvd.py failed: $(tail -n 2 "$out/peer_rsvd.log")"
        else
            na "scikit-learn peer: python3-sklearn missing (scripts/deps.sh bench)"
        fi
        "$PY" "$here/report.py" rsvd "$results"
    else
        na "$stem"
    fi
fi

# ---- images ---------------------------------------------------------------------
if want images; then
    hr "Image compression: lowrank compress vs the SVD optimum"
    if ! why=$(cli_ready compress); then
        na "$why"
    elif ! have_py cv2; then
        na "python3-opencv missing for the optimum and the PSNR check (scripts/deps.sh bench)"
    else
        ran=0
        for name in camera ascent; do
            img=${!name}
            if [ -z "$img" ]; then
                na "$name.png (see $out/fetch.log)"
                continue
            fi
            ran=1
            dir=$out/images/$name
            mkdir -p "$dir"
            for k in ${KS//,/ }; do
                for rep in 1 2 3; do
                    if ! "$lowrank" compress "$img" -k "$k" -o "$dir/k$k.lrz" --no-compare \
                            --json --quiet >"$dir/k$k.json" 2>"$dir/k$k.err"; then
                        echo "{\"bench\": \"image_lowrank\", \"image\": \"$name\", \"k\": $k, \"error\": \"not available: compress failed: $(tail -n 1 "$dir/k$k.err" | tr '"' "'")\"}" >>"$results"
                        break
                    fi
                    "$PY" "$here/report.py" wrap bench='"image_lowrank"' image="\"$name\"" k="$k" \
                        <"$dir/k$k.json" >>"$results"
                    if "$lowrank" decompress "$dir/k$k.lrz" -o "$dir/k$k.png" --json --quiet \
                            >"$dir/k$k.dec.json" 2>"$dir/k$k.err"; then
                        "$PY" "$here/report.py" wrap bench='"image_decompress"' image="\"$name\"" k="$k" \
                            <"$dir/k$k.dec.json" >>"$results"
                    fi
                done
            done
            collect peer_image peer "$here/peer_image.py" "$img" --ks "$KS" --decoded-dir "$dir" ||
                na "peer_image.py failed: $(tail -n 2 "$out/peer_image.log")"
        done
        [ $ran = 1 ] && "$PY" "$here/report.py" images "$results"
    fi
fi

# ---- robust PCA -----------------------------------------------------------------
if want rpca; then
    hr "Robust PCA: lowrank separate vs the NumPy IALM reference"
    rdt=${BENCH_RPCA_DTYPE:-f64}
    rtol=${BENCH_RPCA_TOL:-1e-7}
    rlim=${BENCH_RPCA_TIME_LIMIT:-120}
    sep_ok=1
    why_sep=$(cli_ready separate) || sep_ok=0
    for size in ${BENCH_RPCA_SIZES:-160x120 320x240}; do
        tag="\"size\": \"$size\""
        # lowrank: the RPCA stage of `separate` at the peers' precision and tolerance
        if [ $sep_ok = 0 ]; then
            echo "{\"bench\": \"rpca\", \"impl\": \"lowrank\", $tag, \"error\": \"not available: $why_sep\"}" >>"$results"
        elif [ -z "$vtest" ]; then
            echo "{\"bench\": \"rpca\", \"impl\": \"lowrank\", $tag, \"error\": \"not available: no vtest.avi\"}" >>"$results"
        else
            d=$out/separate-$size-$rdt
            "$lowrank" separate "$vtest" -o "$d" --size "$size" --dtype "$rdt" --tol "$rtol" \
                --max-iter 1000 --json --quiet >"$d.json" 2>"$d.err"
            "$PY" "$here/report.py" separate size="\"$size\"" tol="$rtol" \
                why="\"$(tail -n 1 "$d.err" | tr '"' "'")\"" <"$d.json" |
                grep '"bench": "rpca"' >>"$results"
        fi
        # the NumPy peers, capped at $rlim seconds each
        if ! stem=$(matrix "$size"); then
            echo "{\"bench\": \"rpca\", \"impl\": \"numpy-ialm\", $tag, \"error\": \"not available: $stem\"}" >>"$results"
        elif ! have_py sklearn; then
            echo "{\"bench\": \"rpca\", \"impl\": \"numpy-ialm\", $tag, \"error\": \"not available: python3-sklearn missing\"}" >>"$results"
        else
            for v in full partial; do
                if ! peer "$here/peer_rpca.py" "${stem}_$rdt.npy" --svd "$v" --tol "$rtol" \
                        --time-limit "$rlim" --quiet 2>>"$out/peer_rpca.log" |
                        "$PY" "$here/report.py" wrap size="\"$size\"" >>"$results"; then
                    echo "{\"bench\": \"rpca\", \"impl\": \"numpy-ialm-$v\", $tag, \"error\": \"not available: peer_rpca.py failed\"}" >>"$results"
                fi
            done
        fi
        # the whole separate run with its defaults (f32): frames/s, memory
        if [ $sep_ok = 1 ] && [ -n "$vtest" ] && [ "$size" = 320x240 ]; then
            d=$out/separate-$size-default
            "$lowrank" separate "$vtest" -o "$d" --size "$size" --json --quiet >"$d.json" 2>"$d.err"
            "$PY" "$here/report.py" separate size="\"$size\"" \
                why="\"$(tail -n 1 "$d.err" | tr '"' "'")\"" <"$d.json" |
                grep '"bench": "separate"' >>"$results"
        fi
    done
    "$PY" "$here/report.py" rpca "$results"
    echo "  note: the peers' matrix is built by OpenCV (INTER_AREA resize), lowrank decodes"
    echo "  and scales with FFmpeg: same frames, pixel values differ slightly"
fi

# ---- NMF and LSA of the Debian package corpus ---------------------------------
if want nmf; then
    hr "Topics: NMF and LSA of the Debian package descriptions (TF-IDF)"
    ntol=${BENCH_NMF_TOL:-1e-4}
    ttol=${BENCH_NMF_TIGHT_TOL:-1e-9}
    ndt=${BENCH_NMF_DTYPE:-f64}
    # Idle OpenMP threads sleep instead of spinning (unless the caller chose):
    # on a machine shared with other work, spinning waiters take the cores
    # from the thread that has work (measured 5x slower at load 10 on 2 cores).
    export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
    echo "  OMP_WAIT_POLICY=$OMP_WAIT_POLICY; lowrank threads: $(nproc) (default), dtype $ndt"
    d=$out/nmf
    mkdir -p "$d"
    if ! why=$(cli_ready nmf); then
        na "$why"
    elif ! have_py sklearn || ! have_py scipy; then
        na "python3-sklearn / python3-scipy missing (scripts/deps.sh bench)"
    elif ! "$here/make_corpus.sh" "$d/corpus" 2>"$d/corpus.log"; then
        na "make_corpus.sh failed: $(tail -n 1 "$d/corpus.log")"
    elif ! peer "$here/peer_nmf.py" tfidf "$d/corpus/debian-docs.txt" "$d/tfidf.mtx" \
            >>"$results" 2>"$d/tfidf.log"; then
        na "TF-IDF matrix failed: $(tail -n 1 "$d/tfidf.log")"
    else
        A=$d/tfidf.mtx
        # "lowrank": scikit-learn's stopping rule (--stop violation) at its
        # tol, so both sides stop by the same measure; "lowrank-tight": the
        # loss rule at a tight tol (a lower loss than the peer's, for the
        # equal-or-lower-loss comparison).
        for run in "lowrank $ntol violation" "lowrank-tight $ttol loss"; do
            set -- $run
            if "$lowrank" nmf "$A" -k 10 --tol "$2" --stop "$3" --max-iter 200 --dtype "$ndt" \
                    -o "$d/$1" --quiet 2>"$d/$1.err"; then
                peer "$here/peer_nmf.py" ours-nmf "$A" "$d/$1" --impl "$1" >>"$results"
            else
                na "lowrank nmf failed: $(tail -n 1 "$d/$1.err")"
            fi
        done
        collect peer_nmf peer "$here/peer_nmf.py" nmf "$A" -k 10 --tol "$ntol" --max-iter 200 ||
            na "sklearn NMF failed: $(tail -n 2 "$out/peer_nmf.log")"
        # --normalizer lu: scikit-learn's choice; the fused one-read pass of
        # `auto` applies to dense matrices only, on a sparse operator it is
        # the slower option (measured 4.7 s vs 2.9 s here).
        if "$lowrank" svd "$A" -k 100 -p 10 -q 5 --normalizer lu --dtype "$ndt" -o "$d/lsa" --json --quiet \
                >"$d/lsa.json" 2>"$d/lsa.err"; then
            peer "$here/peer_nmf.py" ours-lsa "$d/lsa.json" >>"$results"
        else
            na "lowrank svd failed: $(tail -n 1 "$d/lsa.err")"
        fi
        collect peer_nmf peer "$here/peer_nmf.py" lsa "$A" -k 100 --n-iter 5 ||
            na "TruncatedSVD failed: $(tail -n 2 "$out/peer_nmf.log")"
        peer "$here/peer_nmf.py" table "$results"
    fi
fi

# ---- rec: recommendations (issue 7) -------------------------------------------
# The NumPy peer runs with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1: its BLAS
# calls are 33 x 33 solves, where a threaded BLAS only spins (measured 100x
# slower with the defaults on a loaded 2-core machine).  lowrank runs with
# OMP_WAIT_POLICY=PASSIVE (as in the tests): on a shared machine a spinning
# OpenMP thread burns the core the other thread needs.  CPU times are printed
# next to wall times because the machine this runs on is usually shared.
if want rec; then
    hr "rec: lowrank recommend vs NumPy ALS-WR (k=32)"
    rk=${BENCH_REC_K:-32}; rlam=${BENCH_REC_LAMBDA:-0.35}; rlamb=${BENCH_REC_LAMBDA_BIAS:-0.3}; rit=${BENCH_REC_ITERS:-15}
    ie=$cache/instEval.csv
    syn=$cache/synth1m.tsv
    mkdir -p "$cache"
    if ! cli_ready recommend >/dev/null; then
        na "$(cli_ready recommend)"
    else
        if [ ! -s "$ie" ]; then
            if command -v Rscript >/dev/null && Rscript -e 'library(lme4)' >/dev/null 2>&1; then
                Rscript "$here/instEval.R" "$ie" 2>>"$out/rec.log" || rm -f "$ie"
            fi
        fi
        if [ ! -s "$ie" ]; then
            na "InstEval: needs Debian's r-base-core and r-cran-lme4 (scripts/deps.sh bench)"
        else
            OMP_WAIT_POLICY=PASSIVE "$lowrank" recommend eval "$ie" -k "$rk" --lambda "$rlam" --lambda-bias "$rlamb" \
                --iters "$rit" --folds 5 --threads 2 --json --quiet >"$out/rec-ie.json" 2>>"$out/rec.log" ||
                echo '{}' >"$out/rec-ie.json"
            if have_py numpy; then
                OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 peer "$here/peer_als.py" "$ie" --k "$rk" \
                    --lambda "$rlam" --lambda-bias "$rlamb" --iters "$rit" --folds 5 \
                    >"$out/rec-ie-peer.json" 2>>"$out/rec.log" || echo '{}' >"$out/rec-ie-peer.json"
            else
                echo '{}' >"$out/rec-ie-peer.json"
            fi
            "$PY" - "$out/rec-ie.json" "$out/rec-ie-peer.json" "$results" <<'PYEOF'
import json, sys
ours = json.load(open(sys.argv[1])) if open(sys.argv[1]).read().strip() else {}
peer = json.load(open(sys.argv[2])) if open(sys.argv[2]).read().strip() else {}
res = open(sys.argv[3], "a")
if not ours.get("methods"):
    print("  lowrank recommend eval failed (see bench-out/rec.log)")
    sys.exit(0)
m = ours["methods"]
print("  InstEval: %d ratings, %d students x %d lecturers; 5-fold CV; k=%d lambda=%g, %d iterations"
      % (ours["ratings"], ours["users"], ours["items"], ours["k"], ours["lambda"], ours["iters"]))
print("  %-26s %18s %14s" % ("method", "RMSE mean+/-std", "s/iteration"))
rows = [("lowrank ALS-WR", m["model"]["rmse"], ours["seconds_per_iter"]),
        ("bias only (lowrank, k=0)", m["bias_only"]["rmse"], None),
        ("global mean", m["global_mean"]["rmse"], None)]
for name, r, t in rows:
    print("  %-26s %11.4f+/-%.4f %14s" % (name, r["mean"], r["std"], "%.4f" % t if t else "-"))
if peer.get("rmse_mean") is not None:
    print("  %-26s %11.4f+/-%.4f %14.4f" % ("NumPy ALS-WR (peer)", peer["rmse_mean"], peer["rmse_std"],
                                              peer["seconds_per_iter"]))
    print("  speed: lowrank %.1fx faster per ALS iteration in wall time (2 threads vs 1; target >= 10x)"
          % (peer["seconds_per_iter"] / ours["seconds_per_iter"]))
    print("         %.1fx less CPU time per iteration (lowrank %.4f s over both threads, NumPy %.4f s)"
          % (peer["cpu_seconds_per_iter"] / ours["cpu_seconds_per_iter"], ours["cpu_seconds_per_iter"],
             peer["cpu_seconds_per_iter"]))
else:
    print("  NumPy peer: not available (python3-numpy missing or peer_als.py failed)")
gain = 100 * (1 - m["model"]["rmse"]["mean"] / m["bias_only"]["rmse"]["mean"])
print("  RMSE vs bias only: %.2f%% %s" % (abs(gain), "lower" if gain >= 0 else "HIGHER"))
res.write(json.dumps({"bench": "rec", "data": "instEval", "impl": "lowrank", "rmse": m["model"]["rmse"]["mean"],
                      "rmse_std": m["model"]["rmse"]["std"], "bias_rmse": m["bias_only"]["rmse"]["mean"],
                      "mean_rmse": m["global_mean"]["rmse"]["mean"],
                      "seconds_per_iter": ours["seconds_per_iter"],
                      "cpu_seconds_per_iter": ours["cpu_seconds_per_iter"]}) + "\n")
if peer:
    res.write(json.dumps(peer) + "\n")
PYEOF
        fi
        # speed: ratings per second per full ALS sweep on 1M planted ratings
        if [ ! -s "$syn" ] && have_py numpy; then
            "$PY" "$here/make_ratings.py" "$syn" >>"$results" 2>>"$out/rec.log" || rm -f "$syn"
        fi
        if [ ! -s "$syn" ]; then
            na "1M synthetic set: make_ratings.py needs python3-numpy"
        else
            OMP_WAIT_POLICY=PASSIVE "$lowrank" recommend train "$syn" -k 32 --iters 5 --threads 2 -o "$out/synth1m.lrm" --json \
                --quiet >"$out/rec-syn.json" 2>>"$out/rec.log" || echo '{}' >"$out/rec-syn.json"
            if have_py numpy; then
                OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 peer "$here/peer_als.py" "$syn" --k 32 \
                    --lambda 0.05 --iters 1 --time-only >"$out/rec-syn-peer.json" 2>>"$out/rec.log" ||
                    echo '{}' >"$out/rec-syn-peer.json"
            else
                echo '{}' >"$out/rec-syn-peer.json"
            fi
            "$PY" - "$out/rec-syn.json" "$out/rec-syn-peer.json" "$results" <<'PYEOF'
import json, sys
ours = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
res = open(sys.argv[3], "a")
if not ours.get("seconds_per_iter"):
    print("  lowrank recommend train on the 1M set failed (see bench-out/rec.log)")
    sys.exit(0)
rps = ours["ratings_per_second_per_iter"]
print("  1M planted ratings (%d users x %d items), k=32, 2 threads:" % (ours["users"], ours["items"]))
print("    lowrank: %.3f s per ALS sweep = %.2f million ratings/s (target >= 5); peak RSS %.0f MB"
      % (ours["seconds_per_iter"], rps / 1e6, ours["peak_rss_bytes"] / 1e6))
cpu = ours.get("cpu_seconds_per_iter", 0)
if cpu > 0:
    print("             CPU time %.3f s per sweep = %.2f million ratings per CPU-second"
          " (x2 = what 2 free cores give)" % (cpu, ours["ratings"] / cpu / 1e6))
if peer.get("seconds_per_iter"):
    print("    NumPy:   %.3f s per ALS sweep = %.2f million ratings/s; ratio %.1fx (CPU time ratio %.1fx)"
          % (peer["seconds_per_iter"], peer["ratings_per_second_per_iter"] / 1e6,
             peer["seconds_per_iter"] / ours["seconds_per_iter"],
             peer["cpu_seconds_per_iter"] / max(cpu, 1e-9)))
res.write(json.dumps({"bench": "rec", "data": "synth1m", "impl": "lowrank",
                      "seconds_per_iter": ours["seconds_per_iter"], "ratings_per_second": rps,
                      "cpu_seconds_per_iter": cpu,
                      "peak_rss_bytes": ours["peak_rss_bytes"]}) + "\n")
if peer:
    res.write(json.dumps(dict(peer, data="synth1m")) + "\n")
PYEOF
        fi
    fi
fi

# ---- streaming separation: --window vs batch ---------------------------------------
if want window; then
    hr "Streaming: lowrank separate --window 100 vs batch (vtest.avi, 320x240, f32)"
    if ! why=$(cli_ready separate); then
        na "$why"
    elif [ -z "$vtest" ]; then
        na "no vtest.avi"
    else
        for run in "batch-half|--frames 0:398" "batch-whole|" "window-half|--window 100 --frames 0:398" \
                   "window-whole|--window 100"; do
            name=${run%%|*}
            # shellcheck disable=SC2086
            "$lowrank" separate "$vtest" -o "$out/window-$name" --size 320x240 ${run#*|} \
                --json --quiet >"$out/window-$name.json" 2>"$out/window-$name.err"
        done
        "$PY" - "$out" <<'PYEOF' | tee -a "$results" | grep -v '^{'
import json, sys
out = sys.argv[1]
rows = {}
print("  %-13s %7s %9s %10s %9s %8s" % ("run", "frames", "frames/s", "peak MB", "x matrix", "mask %"))
for name in ("batch-half", "batch-whole", "window-half", "window-whole"):
    try:
        r = json.load(open("%s/window-%s.json" % (out, name)))
    except (OSError, ValueError):
        print("  %-13s not available: see %s/window-%s.err" % (name, out, name))
        continue
    rows[name] = r
    res = r["results"][0]
    print("  %-13s %7d %9.1f %10.0f %9.2f %8.2f" % (name, r["cols"], r["frames_per_second"],
          r["memory"]["peak_rss_bytes"] / 1e6, r["memory"]["peak_over_matrix"],
          100 * res["mask"]["fraction"]))
for kind in ("half", "whole"):
    b, w = rows.get("batch-" + kind), rows.get("window-" + kind)
    if b and w:
        print("  %s clip: --window 100 takes %.2fx the batch time and %.2fx its peak memory"
              % (kind, b["seconds"]["total"] and w["seconds"]["total"] / b["seconds"]["total"],
                 w["memory"]["peak_rss_bytes"] / b["memory"]["peak_rss_bytes"]))
h, w = rows.get("window-half"), rows.get("window-whole")
if h and w:
    print("  --window 100, twice the frames: peak memory %.2fx (batch grows with the clip)"
          % (w["memory"]["peak_rss_bytes"] / h["memory"]["peak_rss_bytes"]))
for name, r in rows.items():
    print(json.dumps({"bench": "window", "run": name, "frames": r["cols"],
                      "fps": r["frames_per_second"], "peak_rss": r["memory"]["peak_rss_bytes"],
                      "mask_fraction": r["results"][0]["mask"]["fraction"]}))
PYEOF
    fi
fi

# ---- MPI strong scaling ---------------------------------------------------------
if want mpi; then
    hr "MPI: lowrank-mpi on 1 and 2 ranks vs one process (this machine, $(nproc) cores)"
    mpibin=$build/lowrank-mpi
    # yield_when_idle: a rank waiting in a reduction gives its core back
    # instead of spinning (2 ranks on 2 shared cores)
    mpirun_=(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
             OMPI_MCA_mpi_yield_when_idle=1 mpirun --oversubscribe --allow-run-as-root
             --bind-to none)
    jget() { "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d=d.get(k) if isinstance(d,dict) else None
print("-" if d is None else ("%.3f" % d if isinstance(d,float) else d))' "$@" 2>/dev/null || echo -; }
    if [ ! -x "$mpibin" ]; then
        na "lowrank-mpi not built (MPI not found: scripts/deps.sh installs OpenMPI)"
    elif ! command -v mpirun >/dev/null; then
        na "mpirun missing (openmpi-bin)"
    elif [ -z "$vtest" ]; then
        na "no vtest.avi"
    elif ! stem=$(matrix 320x240); then
        na "$stem"
    else
        d=$out/mpi
        mkdir -p "$d"
        A=${stem}_f32.npy
        printf '  %-34s %10s %10s %14s %8s\n' "run" "stage s" "total s" "reduce bytes" "calls"
        # rsvd: k = 10, p = 10, q = 4 (the rsvd section's settings)
        for cfg in "1p2t" "1r1t" "2r1t"; do
            case $cfg in
                1p2t) label="rsvd  lowrank, 1 process x 2 thr"
                      "$lowrank" svd "$A" -k 10 -o "$d/svd-$cfg" --threads 2 --json --quiet >"$d/svd-$cfg.json" 2>"$d/svd-$cfg.err" ;;
                1r1t) label="rsvd  lowrank-mpi, 1 rank x 1 thr"
                      "${mpirun_[@]}" -np 1 "$mpibin" svd "$A" -k 10 -o "$d/svd-$cfg" --threads 1 --json --quiet >"$d/svd-$cfg.json" 2>"$d/svd-$cfg.err" ;;
                2r1t) label="rsvd  lowrank-mpi, 2 ranks x 1 thr"
                      "${mpirun_[@]}" -np 2 "$mpibin" svd "$A" -k 10 -o "$d/svd-$cfg" --threads 1 --json --quiet >"$d/svd-$cfg.json" 2>"$d/svd-$cfg.err" ;;
            esac
            printf '  %-34s %10s %10s %14s %8s\n' "$label" "$(jget "$d/svd-$cfg.json" svd_s)" \
                "$(jget "$d/svd-$cfg.json" time_s)" "$(jget "$d/svd-$cfg.json" mpi allreduce_bytes)" \
                "$(jget "$d/svd-$cfg.json" mpi allreduce_calls)"
        done
        n=795 l=20 q=4 k=10
        echo "  rsvd reduction model (docs/MPI.md): 8 (2 + (q+1)(n l + 2) + 2 l^2 + 2 k) =" \
             "$((8 * (2 + (q + 1) * (n * l + 2) + 2 * l * l + 2 * k))) bytes in $((q + 7)) calls"
        # robust PCA of vtest at 160x120 (f32, default tolerance)
        for cfg in "1p2t" "1r1t" "2r1t"; do
            o=$d/sep-$cfg
            case $cfg in
                1p2t) label="rpca  lowrank, 1 process x 2 thr"
                      "$lowrank" separate "$vtest" --size 160x120 -o "$o" --threads 2 --json --quiet >"$o.json" 2>"$o.err" ;;
                1r1t) label="rpca  lowrank-mpi, 1 rank x 1 thr"
                      "${mpirun_[@]}" -np 1 "$mpibin" separate "$vtest" --size 160x120 -o "$o" --threads 1 --json --quiet >"$o.json" 2>"$o.err" ;;
                2r1t) label="rpca  lowrank-mpi, 2 ranks x 1 thr"
                      "${mpirun_[@]}" -np 2 "$mpibin" separate "$vtest" --size 160x120 -o "$o" --threads 1 --json --quiet >"$o.json" 2>"$o.err" ;;
            esac
            printf '  %-34s %10s %10s %14s %8s\n' "$label" "$(jget "$o.json" seconds rpca)" \
                "$(jget "$o.json" seconds total)" "$(jget "$o.json" mpi allreduce_bytes)" \
                "$(jget "$o.json" mpi allreduce_calls)"
        done
        "$PY" - "$d" <<'PYEOF'
import json, sys
d = sys.argv[1]
try:
    a, b = (json.load(open(f"{d}/sep-{c}.json")) for c in ("1p2t", "2r1t"))
    r = a["results"][0]
    print(f"  rpca: {r['iterations']} iterations, rank {r['rank']}; 2 ranks: "
          f"{b['results'][0]['iterations']} iterations, rank {b['results'][0]['rank']}; "
          f"{b['mpi']['allreduce_bytes'] / b['results'][0]['iterations'] / 1e6:.2f} MB reduced per iteration")
    for c in ("svd", "sep"):
        x, o, y = (json.load(open(f"{d}/{c}-{k}.json")) for k in ("1p2t", "1r1t", "2r1t"))
        t = (lambda j: j.get("svd_s") or j["seconds"]["rpca"])
        print(f"  {'rsvd' if c == 'svd' else 'rpca'} speed-up of 2 ranks x 1 thread: {t(o) / t(y):.2f}x over 1 rank x 1 thread, "
              f"{t(x) / t(y):.2f}x over 1 process x 2 threads")
except Exception as e:
    print(f"  not available: {e}")
PYEOF
        echo "  note: both configurations use the same 2 cores; the machine may be shared (see the load note above)"
    fi
fi

# ---- quality peer: OpenCV MOG2 on the synthetic ground-truth video (issue 3) ----
if want mog2; then
    hr "Foreground quality: lowrank separate vs OpenCV MOG2 on the synthetic ground-truth video"
    msize=${BENCH_MOG2_SIZE:-320x240}
    mframes=${BENCH_MOG2_FRAMES:-400}
    d=$out/mog2
    mkdir -p "$d"
    if ! why=$(cli_ready separate); then
        na "$why"
    elif [ ! -x "$build/make_synthvid" ]; then
        na "make_synthvid is not built ($build/make_synthvid)"
    elif ! have_py cv2; then
        na "python3-opencv missing (scripts/deps.sh bench)"
    elif ! "$build/make_synthvid" "$d/synth.mp4" "$d/gt" "$msize" "$mframes" >"$d/make.log" 2>&1; then
        na "make_synthvid failed: $(tail -n 1 "$d/make.log")"
    else
        echo "  clip: $(cat "$d/make.log")"
        echo "  (tests/support/synthvid.c: textured background, illumination drift, 4 textured moving objects, sensor noise 0.02; H.264 crf 8)"
        for m in rpca svd; do
            if "$lowrank" separate "$d/synth.mp4" -o "$d/out-$m" --method "$m" --truth "$d/gt" \
                    --json --quiet >"$d/$m.json" 2>"$d/$m.err"; then
                "$PY" - "$d/$m.json" "$m" >>"$results" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["truth"] if isinstance(d.get("truth"), dict) and "f1" in d["truth"] else d["results"][0]["truth"]
print(json.dumps({"bench": "mog2", "impl": "lowrank-" + sys.argv[2], "frames": d["cols"],
                  "f1": t["f1"], "precision": t["precision"], "recall": t["recall"],
                  "fps": d["frames_per_second"], "seconds": d["seconds"]}))
PYEOF
            else
                echo "{\"bench\": \"mog2\", \"impl\": \"lowrank-$m\", \"error\": \"not available: $(tail -n 1 "$d/$m.err" | tr '"' "'")\"}" >>"$results"
            fi
        done
        collect peer_mog2 peer "$here/peer_mog2.py" "$d/synth.mp4" "$d/gt" ||
            echo "{\"bench\": \"mog2\", \"impl\": \"opencv-mog2\", \"error\": \"not available: $(tail -n 1 "$out/peer_mog2.log" | tr '"' "'")\"}" >>"$results"
        "$PY" "$here/report.py" mog2 "$results"
    fi
fi

# ---- topics (issue 6) -----------------------------------------------------------
if want topics; then
    hr "Topics: text -> TF-IDF and lowrank topics (NMF) vs scikit-learn"
    corp=$cache/corpus
    if ! have_py sklearn; then
        na "python3-sklearn missing (scripts/deps.sh bench)"
    elif [ ! -s "$corp/debian-docs.txt" ] && ! "$here/make_corpus.sh" "$corp" 2>"$out/corpus.log"; then
        na "bench/make_corpus.sh failed: $(tail -n 1 "$out/corpus.log")"
    elif [ ! -x "$build/bench_tfidf" ]; then
        na "bench_tfidf is not built ($build/bench_tfidf)"
    else
        docs=$corp/debian-docs.txt
        tdir=$out/topics
        mkdir -p "$tdir/tfidf"
        tk=${BENCH_TOPICS_K:-20}
        collect tfidf "$build/bench_tfidf" "$docs" --min-df 2 --max-df 0.95 --repeat 3 \
            --threads 1 --dump "$tdir/tfidf" || na "bench_tfidf failed: $(tail -n 1 "$out/tfidf.log")"
        "$build/bench_tfidf" "$docs" --min-df 2 --max-df 0.95 --repeat 3 2>>"$out/tfidf.log" |
            sed 's/"impl": "lowrank"/"impl": "lowrank-mt"/' >>"$results"
        collect peer_tfidf peer "$here/peer_tfidf.py" "$docs" --min-df 2 --max-df 0.95 --repeat 3 \
            --compare "$tdir/tfidf" || na "peer_tfidf.py failed: $(tail -n 2 "$out/peer_tfidf.log")"
        # Unicode stress corpus: the same vocabulary as TfidfVectorizer?
        mkdir -p "$tdir/unicode"
        if "$PY" "$here/make_unicode_corpus.py" "$tdir/unicode.txt" &&
            "$build/bench_tfidf" "$tdir/unicode.txt" --min-df 1 --repeat 1 --dump "$tdir/unicode" >/dev/null; then
            peer "$here/peer_tfidf.py" "$tdir/unicode.txt" --min-df 1 --repeat 1 --compare "$tdir/unicode" |
                "$PY" -c 'import json, sys; r = json.load(sys.stdin); print("  Unicode stress corpus (5,000 lines, 23 scripts/blocks): %d terms, same vocabulary as TfidfVectorizer: %s, max |entry difference| %s" % (r["vocab"], r["same_vocab"], r.get("max_abs_diff", "-")))'
        fi
        if why=$(cli_ready topics); then
            t0=$(date +%s.%N)
            "$lowrank" topics "$docs" -k "$tk" --min-df 2 --max-df 0.95 -o "$tdir/nmf" --json \
                --quiet >"$tdir/nmf.json" 2>"$tdir/nmf.err" || na "lowrank topics failed: $(tail -n 1 "$tdir/nmf.err")"
            t1=$(date +%s.%N)
            echo "  lowrank topics -k $tk, whole run with its files: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
            collect peer_topics peer "$here/peer_topics.py" "$docs" "$corp/debian-labels.txt" \
                -k "$tk" --min-df 2 --max-df 0.95 --ours "$tdir/nmf" ||
                na "peer_topics.py failed: $(tail -n 2 "$out/peer_topics.log")"
        else
            na "$why"
        fi
        "$PY" "$here/peer_topics.py" --table "$results"
    fi
fi

printf '\nraw results: %s\n' "$results"
