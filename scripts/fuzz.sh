#!/usr/bin/env bash
# fuzz.sh -- runs the libFuzzer harnesses of a LOWRANK_FUZZ build.
#
#   scripts/fuzz.sh [-t SECONDS] [-j JOBS] [-b BUILD] [HARNESS...]
#
#   -t SECONDS  time per harness (default $FUZZ_SECONDS or 20)
#   -j JOBS     harnesses run at once (default 2; each is one process)
#   -b BUILD    build folder configured with CC=clang -DLOWRANK_FUZZ=ON and
#               built with --target fuzz_all (default build-fuzz)
#   HARNESS     npy png jpeg lrz video truth cli mtx ratings lrm text
#               (default: all)
#
# Seeds are generated fresh (BUILD/fuzz/fuzz_seeds) into BUILD/fuzz-work/
# seeds/; the corpus each harness grows is kept in BUILD/fuzz-work/corpus/
# <h>/ between runs (never committed).  A finding (crash, sanitizer report,
# broken contract, leak, timeout, out-of-memory) is saved by libFuzzer as
# BUILD/fuzz-work/findings/<h>/crash-* (or leak-, timeout-, oom-); keep it
# as a regression test by copying it to fuzz/regressions/<h>/ (the
# fuzz_replay CTest test replays that folder in every build).
# Prints one line per harness (executions, rate, corpus, coverage) and
# 'N passed, N failed'; exit 1 when any harness found something.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=${FUZZ_SECONDS:-20}
JOBS=2
BUILD=build-fuzz
while getopts "t:j:b:" o; do
    case $o in
    t) T=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
ALL=(npy png jpeg lrz video truth cli mtx ratings lrm text)
HARNESSES=("$@")
[ ${#HARNESSES[@]} -eq 0 ] && HARNESSES=("${ALL[@]}")
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

for h in "${HARNESSES[@]}"; do
    if [ ! -x "$BUILD/fuzz/fuzz_$h" ]; then
        echo "fuzz.sh: $BUILD/fuzz/fuzz_$h is missing: build it with" >&2
        echo "  CC=clang cmake -S $SRC -B $BUILD -DLOWRANK_FUZZ=ON && cmake --build $BUILD --target fuzz_all" >&2
        exit 2
    fi
done

W=$BUILD/fuzz-work
rm -rf "$W/seeds" "$W/logs"
mkdir -p "$W/logs" "$W/tmp"
"$BUILD/fuzz/fuzz_seeds" "$W/seeds" > "$W/logs/seeds.log" 2>&1 ||
    { cat "$W/logs/seeds.log"; echo "fuzz.sh: the seed generator failed" >&2; exit 1; }

# One thread everywhere: a harness is one process on one core.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
export TMPDIR=$W/tmp
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:halt_on_error=1

run_one() {
    local h=$1
    local corpus=$W/corpus/$h findings=$W/findings/$h
    mkdir -p "$corpus" "$findings"
    local extra=()
    [ -f "$SRC/fuzz/$h.dict" ] && extra+=("-dict=$SRC/fuzz/$h.dict")
    # cli: commands stopped at exit() keep what they allocated (not a leak);
    # their messages on stdout/stderr are noise.
    [ "$h" = cli ] && extra+=(-detect_leaks=0 -close_fd_mask=3)
    local seeds=$W/seeds/$h
    local regress=()
    [ -d "$SRC/fuzz/regressions/$h" ] && regress=("$SRC/fuzz/regressions/$h")
    "$BUILD/fuzz/fuzz_$h" -max_total_time="$T" -timeout=25 -rss_limit_mb=2560 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "${extra[@]}" \
        "$corpus" "$seeds" "${regress[@]}" > "$W/logs/$h.log" 2>&1
    echo $? > "$W/logs/$h.rc"
}

start=$(date +%s)
running=0
for h in "${HARNESSES[@]}"; do
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$h" &
    running=$((running + 1))
done
wait

pass=0 fail=0
printf '%-7s %8s %12s %9s %8s %7s  %s\n' harness seconds executions "execs/s" corpus cov result
for h in "${HARNESSES[@]}"; do
    log=$W/logs/$h.log
    rc=$(cat "$W/logs/$h.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    ncorp=$(ls "$W/corpus/$h" | wc -l)
    rate=-
    [ -n "${execs:-}" ] && [ -n "${secs:-}" ] && [ "${secs:-0}" -gt 0 ] && rate=$((execs / secs))
    if [ "$rc" = 0 ]; then
        result=ok; pass=$((pass + 1))
    else
        result="FINDING (exit $rc)"; fail=$((fail + 1))
    fi
    printf '%-7s %8s %12s %9s %8s %7s  %s\n' "$h" "${secs:--}" "${execs:--}" "$rate" "$ncorp" \
        "${cov:--}" "$result"
done
for h in "${HARNESSES[@]}"; do
    rc=$(cat "$W/logs/$h.rc" 2>/dev/null || echo 99)
    [ "$rc" = 0 ] && continue
    echo
    echo "==== $h: exit $rc; log $W/logs/$h.log; saved inputs:"
    ls -1 "$W/findings/$h" 2>/dev/null | sed "s|^|  $W/findings/$h/|"
    grep -E 'ERROR:|SUMMARY:|runtime error|fuzz contract broken|#[0-9]+ 0x' "$W/logs/$h.log" | head -n 30
    echo "  keep it: cp $W/findings/$h/<file> $SRC/fuzz/regressions/$h/"
done
echo "fuzz: $((pass)) passed, $fail failed ($(( $(date +%s) - start )) s, $T s per harness, $JOBS at once)"
[ "$fail" -eq 0 ]
