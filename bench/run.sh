#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [SECTION...] -- `make bench`: lowrank beside its peers,
# measured in the same run on this machine, printed as side-by-side tables.
#
# Sections (default: all, in this order):
#   stream   STREAM triad bandwidth (bench_stream): the memory floor
#   rsvd     randomized SVD of the vtest matrix 76,800 x 795, f32 and f64:
#            bench_rsvd vs scikit-learn's randomized_svd (peer_rsvd.py),
#            optimum error from NumPy's full SVD, bandwidth floor
#   images   lowrank compress/decompress on camera and ascent (512x512) at
#            k = 5,10,20,50: time, PSNR vs the optimum (peer_image.py)
#   rpca     robust PCA: lowrank separate vs the NumPy IALM reference
#            (peer_rpca.py, full and partial SVD) at 160x120 and 320x240, and
#            the whole `separate` run's frames/s and peak memory
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
# Our binaries run in the environment as given; the NumPy peers run with
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (their own BLAS defaults).
# All raw results: BUILD_DIR/bench-out/results.jsonl (one JSON per line).
set -uo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -lt 1 ] && exit 2 || exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || { echo "bench/run.sh: no build folder $1 (run make build first)" >&2; exit 2; }
shift
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(stream rsvd images rpca mpi)

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
            elif ! collect rsvd "$build/bench_rsvd" "${stem}_$d.npy" -k 10 -p 10 -q 4 --repeat 3; then
                why=$(tail -n 1 "$out/rsvd.log" | tr '"' "'")
                echo "{\"bench\": \"rsvd\", \"impl\": \"lowrank\", \"dtype\": \"$d\", \"error\": \"not available: bench_rsvd failed: $why\"}" >>"$results"
            fi
        done
        if have_py sklearn; then
            collect peer_rsvd peer "$here/peer_rsvd.py" "${stem}_f32.npy" -k 10 -p 10 -q 4 \
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

# Later sections (issue 3): OpenCV MOG2 on the synthetic ground-truth video
# (F1, frames/s), added here as `if want mog2; then ... fi`.

printf '\nraw results: %s\n' "$results"
