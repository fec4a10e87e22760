#!/usr/bin/env bash
# cli_recommend.sh -- `lowrank recommend` end to end on a small planted
# rank-2 ratings file written with awk: train/top/similar/foldin/eval, the
# recommendations checked against the planted true ratings, 1 vs 2 threads
# giving the same model bytes, --help, and the bad-input battery (exit code,
# message naming the line or file, no partial or half-overwritten output).
set -u
BIN=${LOWRANK_BIN:-lowrank}
T=$(mktemp -d /tmp/lowrank-cli-rec-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$(dirname "$0")/support/harness.sh"

# truth U I: the planted rating of user U, item I (rank 2 plus biases)
truth_awk='function truth(u, i,   a, b) {
    a = ((u * 37) % 19 - 9) / 9 * ((i * 53) % 23 - 11) / 11 * 1.5
    b = 0.8 * ((u * 11) % 13 - 6) / 6 * ((i * 7) % 17 - 8) / 8
    return 3 + a + b + ((i * 5) % 9 - 4) / 8 }'
# 80 users x 50 items, each pair rated when (u*7 + i*13) % 5 < 3 (60%)
awk "$truth_awk"' BEGIN { print "userId,movieId,rating,timestamp";
    for (u = 0; u < 80; u++) for (i = 0; i < 50; i++)
        if ((u * 7 + i * 13) % 5 < 3) printf "u%d,m%d,%.4f,%d\n", u, i, truth(u, i), 1000 + u * i }' \
    >"$T/r.csv"

expect_fail() { # expect_fail WHAT CODE FRAGMENT ARGS...
    local what=$1 code=$2 frag=$3; shift 3
    "$BIN" recommend "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$?
    if [ $rc -ne "$code" ]; then bad "$what: exit $rc, want $code ($(cat "$T/stderr"))"; return; fi
    ok
    check "$what: message mentions '$frag' ($(cat "$T/stderr"))" grep -qF -- "$frag" "$T/stderr"
    check "$what: one-line message" [ "$(wc -l <"$T/stderr")" -eq 1 ]
}

# ---- help -------------------------------------------------------------------------
for sub in train eval top similar foldin; do
    "$BIN" recommend $sub --help >"$T/help" 2>&1
    check "$sub --help exits 0" [ $? -eq 0 ]
    check "$sub --help shows usage" grep -qF "usage: lowrank recommend $sub" "$T/help"
done
"$BIN" recommend --help >"$T/help" 2>&1
check "recommend --help lists foldin" grep -qF foldin "$T/help"
expect_fail "unknown subcommand" 2 "unknown command 'fit'" fit

# ---- train / top / similar ----------------------------------------------------------
"$BIN" recommend train "$T/r.csv" -k 2 --lambda 0.01 --iters 30 -o "$T/m.lrm" 2>"$T/train.err"
check "train: exit 0 ($(cat "$T/train.err"))" [ $? -eq 0 ]
check "train: layout reported" grep -qF "comma-separated, header, columns user=1 item=2 rating=3" "$T/train.err"
check "train: model written" [ -s "$T/m.lrm" ]
check "train: no temporary left" [ "$(ls -A "$T" | grep -c '\.tmp')" -eq 0 ]

"$BIN" recommend top "$T/m.lrm" --user u3 -n 5 >"$T/top" 2>"$T/err"
check "top: exit 0 ($(cat "$T/err"))" [ $? -eq 0 ]
check "top: 5 lines" [ "$(wc -l <"$T/top")" -eq 5 ]
# none of the listed items was rated by u3
rated=$(awk -F, '$1 == "u3" { printf "%s ", $2 }' "$T/r.csv")
clash=0
for it in $(cut -f2 "$T/top"); do case " $rated" in *" $it "*) clash=1 ;; esac; done
check "top: leaves out rated items" [ $clash -eq 0 ]
# the recommended items are truly good for u3: the true rating of the first
# is at least the 80th percentile of u3's unrated items (planted truth)
top1=$(head -n 1 "$T/top" | cut -f2 | sed 's/^m//')
check "top: the best item is in the top 20% by the planted truth" awk "$truth_awk"' BEGIN {
    n = 0; for (i = 0; i < 50; i++) if ((3 * 7 + i * 13) % 5 >= 3) { v[n++] = truth(3, i) }
    t = truth(3, '"$top1"'); above = 0; for (j = 0; j < n; j++) above += v[j] > t
    exit !(above <= 0.2 * n) }'
# scores are sorted, best first
check "top: scores descending" awk -F'\t' 'NR > 1 && $3 > prev { exit 1 } { prev = $3 }' "$T/top"

"$BIN" recommend similar "$T/m.lrm" --item m7 -n 4 >"$T/sim" 2>"$T/err"
check "similar: exit 0 ($(cat "$T/err"))" [ $? -eq 0 ]
check "similar: 4 lines" [ "$(wc -l <"$T/sim")" -eq 4 ]
check "similar: not the item itself" [ "$(cut -f2 "$T/sim" | grep -cx m7)" -eq 0 ]
check "similar: cosines in [-1, 1]" awk -F'\t' '$3 > 1.000001 || $3 < -1.000001 { exit 1 }' "$T/sim"

"$BIN" recommend top "$T/m.lrm" --user u3 -n 3 --json >"$T/topjson" 2>/dev/null
check "top --json: items array" grep -qF '"items"' "$T/topjson"

# ---- foldin: user u3's ratings under a new name give (nearly) u3's list ------------
awk -F, 'NR == 1 || $1 == "u3" { if (NR > 1) $1 = "newbie"; print }' OFS=, "$T/r.csv" >"$T/new.csv"
echo "newbie,unknown-item,5,0" >>"$T/new.csv"
"$BIN" recommend foldin "$T/m.lrm" --ratings "$T/new.csv" -n 5 >"$T/fold" 2>"$T/err"
check "foldin: exit 0 ($(cat "$T/err"))" [ $? -eq 0 ]
check "foldin: unknown item reported" grep -qF "1 ratings of items the model does not know" "$T/err"
check "foldin: 5 lines for newbie" [ "$(grep -c '^newbie' "$T/fold")" -eq 5 ]
common=$(comm -12 <(cut -f3 "$T/fold" | sort) <(cut -f2 "$T/top" | sort) | wc -l)
check "foldin: list overlaps u3's top list ($common of 5)" [ "$common" -ge 4 ]

# ---- same bits with 1 and 2 threads ----------------------------------------------------
"$BIN" recommend train "$T/r.csv" -k 3 --iters 5 --threads 1 -o "$T/t1.lrm" --quiet
"$BIN" recommend train "$T/r.csv" -k 3 --iters 5 --threads 2 -o "$T/t2.lrm" --quiet
check "1 and 2 threads: identical model files" cmp -s "$T/t1.lrm" "$T/t2.lrm"
"$BIN" recommend train "$T/r.csv" -k 3 --iters 5 --threads 2 --implicit -o "$T/i1.lrm" --quiet
check "implicit train: exit 0" [ $? -eq 0 ]
"$BIN" recommend top "$T/i1.lrm" --user u5 -n 3 >/dev/null 2>&1
check "implicit top: exit 0" [ $? -eq 0 ]

# ---- eval --------------------------------------------------------------------------------
"$BIN" recommend eval "$T/r.csv" -k 2 --lambda 0.01 --iters 20 --folds 3 >"$T/eval" 2>"$T/err"
check "eval: exit 0 ($(cat "$T/err"))" [ $? -eq 0 ]
check "eval: 3 folds, the mean row and the RMSE line" [ "$(grep -c "ALS-WR k=2" "$T/eval")" -eq 5 ]
# on exact low-rank data the model beats both baselines by far
check "eval: model RMSE < 0.5 x bias-only RMSE" awk '/^RMSE:/ { exit !($4 < 0.5 * $8) }' "$T/eval"
check "eval: bias-only beats the global mean" awk '/^RMSE:/ { exit !($8 < $NF) }' "$T/eval"
"$BIN" recommend eval "$T/r.csv" -k 2 --iters 5 --leave-k-out 3 --json >"$T/ej" 2>/dev/null
check "eval --leave-k-out --json: ndcg reported" grep -qF '"ndcg"' "$T/ej"
"$BIN" recommend eval "$T/r.csv" -k 2 --iters 5 --test-fraction 0.2 --quiet >/dev/null
check "eval --test-fraction: exit 0" [ $? -eq 0 ]
expect_fail "eval: two splits" 2 "one of --folds" eval "$T/r.csv" --folds 3 --leave-k-out 2

# ---- bad input -----------------------------------------------------------------------------
printf 'user,item,rating\na,x,4\nb,y,four\nc,z,3\na,y,1\n' >"$T/bad.csv"
expect_fail "unparseable line" 2 "line 3" train "$T/bad.csv" -k 1 -o "$T/bad.lrm"
check "unparseable line: no model" [ ! -e "$T/bad.lrm" ]
"$BIN" recommend train "$T/bad.csv" -k 1 --skip-bad -o "$T/bad.lrm" 2>"$T/err"
check "--skip-bad: exit 0" [ $? -eq 0 ]
check "--skip-bad: counted with its line" grep -qF "skipped 1 unparseable lines (first: line 3)" "$T/err"
printf 'a\tx\t4\nb\tx\t2\na\tx\t5\nb\ty\t1\n' >"$T/dup.tsv"
"$BIN" recommend train "$T/dup.tsv" -k 1 -o "$T/dup.lrm" 2>"$T/err"
check "duplicates: exit 0" [ $? -eq 0 ]
check "duplicates: reported with the policy" grep -qF "1 duplicate (user, item) pairs: kept the last" "$T/err"
printf 'a::x::4\nb::y::nan\n' >"$T/nan.dat"
expect_fail "NaN rating" 2 "line 2" train "$T/nan.dat" -k 1 -o "$T/nan.lrm"
check "NaN rating: no model" [ ! -e "$T/nan.lrm" ]
printf 'a,x,4\nb,y,-1\n' >"$T/neg.csv"
expect_fail "implicit negative rating" 2 "ratings > 0" train "$T/neg.csv" -k 1 --implicit --quiet -o "$T/neg.lrm"
expect_fail "no output" 2 "-o MODEL.lrm" train "$T/r.csv"
expect_fail "missing ratings file" 2 "nope.csv" train "$T/nope.csv" -o "$T/x.lrm"
expect_fail "bad -k" 2 "-k" train "$T/r.csv" -k 999 -o "$T/x.lrm"
expect_fail "unknown user" 2 "user 'nobody' is not in the model" top "$T/m.lrm" --user nobody
check "unknown user: nothing on stdout" [ ! -s "$T/stdout" ]
expect_fail "unknown item" 2 "item 'zz' is not in the model" similar "$T/m.lrm" --item zz
# an existing model is not touched by a failing train
cp "$T/m.lrm" "$T/keep.lrm"
expect_fail "failing train over an existing model" 2 "line 3" train "$T/bad.csv" -k 1 -o "$T/keep.lrm"
check "existing model unchanged" cmp -s "$T/m.lrm" "$T/keep.lrm"
# damaged model files
size=$(stat -c %s "$T/m.lrm")
head -c $((size - 10)) "$T/m.lrm" >"$T/trunc.lrm"
expect_fail "truncated model" 2 "damaged or truncated" top "$T/trunc.lrm" --user u3
check "truncated model: nothing on stdout" [ ! -s "$T/stdout" ]
head -c 40 "$T/m.lrm" >"$T/short.lrm"
expect_fail "model cut inside the header" 2 "too short" top "$T/short.lrm" --user u3
cp "$T/m.lrm" "$T/flip.lrm"
printf '\x55' | dd of="$T/flip.lrm" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_fail "corrupt model" 2 "CRC mismatch" similar "$T/flip.lrm" --item m7
cp "$T/m.lrm" "$T/future.lrm"
printf '\x09' | dd of="$T/future.lrm" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_fail "future version" 2 "format version 9" top "$T/future.lrm" --user u3
expect_fail "not a model" 2 "not a lowrank model" top "$T/r.csv" --user u3
expect_fail "foldin: no --ratings" 2 "--ratings" foldin "$T/m.lrm"

finish cli_recommend
