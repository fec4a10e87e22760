#!/usr/bin/env bash
# replay.sh -- the fuzz_replay CTest test: every fuzz harness replays the
# generated seed corpus and every saved regression input
# (fuzz/regressions/<harness>/*), without libFuzzer.  In the sanitizer build
# this is an ASan+UBSan+LSan run of each input.
#   replay.sh FUZZ_SEEDS_BIN FUZZREPLAY_BIN...
# Prints one line per harness and 'N passed, N failed'; exit 1 on a failure.
set -u
seeds_bin=$1; shift
SRC=${LOWRANK_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/lowrank-fuzz-replay-XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! "$seeds_bin" "$T/seeds" > "$T/seeds.log" 2>&1; then
    cat "$T/seeds.log"
    echo "fuzz_replay: the seed generator failed"
    exit 1
fi
pass=0 fail=0
for bin in "$@"; do
    h=${bin##*/fuzzreplay_}
    dirs=("$T/seeds/$h")
    [ -d "$SRC/fuzz/regressions/$h" ] && dirs+=("$SRC/fuzz/regressions/$h")
    # fuzz_cli stops commands at exit(): what they had allocated is not a leak.
    lsan=
    [ "$h" = cli ] && lsan=detect_leaks=0
    if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$lsan" REPLAY_VERBOSE=1 \
        "$bin" "${dirs[@]}" > "$T/out" 2> "$T/err"; rc=$?; [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        echo "fuzz_replay: $h: $(tail -n 1 "$T/out")"
    else
        fail=$((fail + 1))
        echo "FAIL: fuzz_replay: $h (exit $rc); last inputs and report:"
        grep -v '^replaying' "$T/err" | tail -n 40
        grep '^replaying' "$T/err" | tail -n 1
    fi
done
echo "fuzz_replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
