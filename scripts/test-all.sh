#!/usr/bin/env bash
# test-all.sh -- what `make test` runs once the three builds exist:
#   1. the test suite in the normal (Release) build;
#   2. the same suite in the sanitizer build (gcc, ASan + UBSan + LSan,
#      -O1 -g; third-party leaks suppressed by scripts/lsan.supp);
#   3. a short run of every libFuzzer harness in the fuzz build (clang).
#
#   scripts/test-all.sh BUILD ASAN_BUILD FUZZ_BUILD FUZZ_SECONDS JOBS
#
# LOWRANK_TEST_STAGES="normal asan fuzz" (default) picks stages.  Every
# stage runs even when an earlier one failed; each prints its own summary
# (ctest's "N% tests passed, N tests failed out of N", fuzz.sh's table), then
# one line per stage with its time.  Exit 1 when any stage failed.
set -u
if [ $# -ne 5 ]; then
    sed -n '2,13p' "$0" >&2
    exit 2
fi
BUILD=$1 ASAN_BUILD=$2 FUZZ_BUILD=$3 FUZZ_SECONDS=$4 JOBS=$5
SRC=$(cd "$(dirname "$0")/.." && pwd)
STAGES=${LOWRANK_TEST_STAGES:-normal asan fuzz}
declare -A result took
failed=0

stage() { # NAME COMMAND...
    local name=$1; shift
    echo
    echo "==== $name: $*"
    local t0=$SECONDS
    "$@"
    local rc=$?
    took[$name]=$((SECONDS - t0))
    if [ $rc -eq 0 ]; then result[$name]=passed; else result[$name]="FAILED (exit $rc)"; failed=1; fi
}

for s in $STAGES; do
    case $s in
    normal) stage normal ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" ;;
    asan)   stage asan ctest --test-dir "$ASAN_BUILD" --output-on-failure -j "$JOBS" ;;
    fuzz)   stage fuzz "$SRC/scripts/fuzz.sh" -b "$FUZZ_BUILD" -t "$FUZZ_SECONDS" -j "$JOBS" ;;
    *) echo "test-all.sh: unknown stage '$s'" >&2; exit 2 ;;
    esac
done

echo
echo "==== summary"
for s in $STAGES; do
    case $s in
    normal) what="test suite, $BUILD" ;;
    asan) what="test suite under ASan+UBSan+LSan, $ASAN_BUILD" ;;
    fuzz) what="libFuzzer harnesses, ${FUZZ_SECONDS} s each, $FUZZ_BUILD" ;;
    esac
    printf '  %-7s %-22s %4d s  (%s)\n' "$s" "${result[$s]}" "${took[$s]}" "$what"
done
exit $failed
