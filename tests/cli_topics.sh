#!/usr/bin/env bash
# cli_topics.sh -- `lowrank topics` end to end on a generated corpus with
# planted topics: documents drawn from four disjoint word groups; every found
# topic's top words must come from one group, the four topics must be the
# four groups, and each document must be assigned its group's topic.  Also
# LSA, a folder corpus with a skipped file, --json, bit-identical results for
# 1 and 2 threads, and the bad-input battery (exit 2, a message naming the
# problem, no output folder or file left behind, old results untouched).
set -u
BIN=${LOWRANK_BIN:-lowrank}
T=$(mktemp -d /tmp/lowrank-cli-topics-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/support/harness.sh"

groups=("apple banana cherry grape lemon mango peach plum"
        "piano violin guitar drums flute cello harp trumpet"
        "python golang haskell erlang kotlin scala fortran cobol"
        "soccer tennis hockey rugby cricket golf boxing rowing")
# word -> group
declare -A G
for g in 0 1 2 3; do for w in ${groups[$g]}; do G[$w]=$g; done; done

# 160 documents, document i from group i % 4, 6..11 words, some stop words
# and capitals mixed in; fixed pseudo-random sequence.
RANDOM=7
corpus=$T/corpus.txt
: >"$corpus"
for i in $(seq 0 159); do
    g=$((i % 4))
    read -r -a ws <<<"${groups[$g]}"
    n=$((6 + RANDOM % 6))
    line="The"
    for _ in $(seq 1 "$n"); do line+=" ${ws[$((RANDOM % 8))]}"; done
    line+=" and ${ws[$((RANDOM % 8))]^}."
    echo "$line" >>"$corpus"
done

# ---- happy path: NMF -------------------------------------------------------------
out=$T/nmf
if "$BIN" topics "$corpus" -k 4 --top 5 --min-df 1 --max-df 1.0 -o "$out" --quiet; then ok; else bad "topics run failed"; fi
for f in topics.txt W.npy H.npy vocab.txt doc-topics.tsv report.json topics.png; do
    check "output $f" test -s "$out/$f"
done
check "no leftover part files" test -z "$(ls -A "$out" | grep '^\.')"
check "vocabulary = the 32 planted words (stop words removed)" test "$(wc -l <"$out/vocab.txt")" -eq 32
check "vocabulary sorted" cmp -s "$out/vocab.txt" <(LC_ALL=C sort "$out/vocab.txt")
# topics.txt: "topic N (...)" then "  word weight" lines
declare -A topic_group
seen_groups=""
cur=-1
pure=1
while read -r a b _; do
    if [ "$a" = topic ]; then cur=$b; continue; fi
    g=${G[$a]:-x}
    if [ -z "${topic_group[$cur]:-}" ]; then topic_group[$cur]=$g
    elif [ "${topic_group[$cur]}" != "$g" ]; then pure=0; echo "topic $cur mixes groups ($a)" >&2; fi
done <"$out/topics.txt"
check "every topic's top words come from one planted group" test $pure = 1
check "the 4 topics are the 4 groups" test "$(printf '%s\n' "${topic_group[@]}" | sort -u | tr -d '\n')" = 0123
# doc-topics.tsv: document i (line i+1) must get the topic of group i % 4
assign_ok=$(awk -F'\t' -v map="${topic_group[0]} ${topic_group[1]} ${topic_group[2]} ${topic_group[3]}" '
    BEGIN { n = split(map, m, " "); for (t = 0; t < n; t++) top_of[m[t + 1]] = t }
    NR == 1 { next }
    { split($1, p, " "); i = p[2] - 1; if ($2 != top_of[i % 4] || !($3 > 0)) bad++ }
    END { print (NR == 161 && bad == 0) ? "yes" : "no" }' "$out/doc-topics.tsv")
check "each document is assigned its group's topic" test "$assign_ok" = yes
check "report has coherence and loss" grep -q '"npmi_mean"' "$out/report.json"
check "report has iterations" grep -q '"iterations"' "$out/report.json"
# planted topics are perfectly coherent within a group: NPMI of each topic > 0
npmi_pos=$(grep -o '"npmi":[^,]*' "$out/report.json" | awk -F: '$2 <= 0 { b++ } END { print NR == 4 && !b ? "yes" : "no" }')
check "every planted topic has positive NPMI" test "$npmi_pos" = yes

# same seed: identical factors for 1 and 2 threads
"$BIN" topics "$corpus" -k 4 --min-df 1 -o "$T/t1" --threads 1 --quiet &&
"$BIN" topics "$corpus" -k 4 --min-df 1 -o "$T/t2" --threads 2 --quiet
check "W.npy identical for 1 and 2 threads" cmp -s "$T/t1/W.npy" "$T/t2/W.npy"
check "H.npy identical for 1 and 2 threads" cmp -s "$T/t1/H.npy" "$T/t2/H.npy"

# --json on stdout
json=$("$BIN" topics "$corpus" -k 4 --min-df 1 -o "$T/j" --json --quiet)
check "--json prints the report" grep -q '"topics"' <<<"$json"

# ---- LSA ------------------------------------------------------------------------------
if "$BIN" topics "$corpus" -k 4 --method lsa -o "$T/lsa" --quiet; then ok; else bad "lsa run failed"; fi
for f in U.npy S.npy Vt.npy topics.txt doc-topics.tsv report.json topics.png; do
    check "lsa output $f" test -s "$T/lsa/$f"
done
check "lsa writes no W.npy" test ! -e "$T/lsa/W.npy"

# ---- a folder corpus with a file that is skipped -------------------------------------------
mkdir -p "$T/folder"
for i in 0 1 2 3 4 5; do sed -n "$((i + 1))p" "$corpus" >"$T/folder/doc$i.txt"; done
printf 'caf\xe9 au lait\n' >"$T/folder/latin1.txt"
err=$("$BIN" topics "$T/folder" -k 2 --min-df 1 -o "$T/fo" 2>&1 >/dev/null)
check "folder corpus runs" test -s "$T/fo/topics.txt"
check "skipped file named on stderr" grep -q "latin1.txt: skipped: invalid UTF-8" <<<"$err"
check "skipped count in the report" grep -q '"skipped_invalid_utf8":[[:space:]]*1' "$T/fo/report.json"
check "doc-topics names the files" grep -q "^doc5.txt" "$T/fo/doc-topics.tsv"

# ---- --help -----------------------------------------------------------------------------------
check "--help exits 0" "$BIN" topics --help >/dev/null
check "--help mentions --min-df" grep -q -- "--min-df" <("$BIN" topics --help)

# ---- bad input: exit 2, message, nothing left behind -------------------------------------------
expect2() {  # expect2 WHAT PATTERN ARGS...: exit 2, stderr matches, no $T/bad made
    local what=$1 pat=$2; shift 2
    rm -rf "$T/bad"
    local err rc
    err=$("$BIN" topics "$@" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 2 ]; then bad "$what: exit $rc, want 2 ($err)"; return; fi
    if ! grep -qi -- "$pat" <<<"$err"; then bad "$what: message '$err' lacks '$pat'"; return; fi
    if [ -e "$T/bad" ]; then bad "$what: left $T/bad behind"; return; fi
    ok
}
: >"$T/empty.txt"
printf '\n  \n\n' >"$T/blank.txt"
echo "just one document about apples and bananas" >"$T/one.txt"
printf 'ELF\0\0\1\2binary stuff\n' >"$T/bin.dat"
mkdir -p "$T/emptydir"
expect2 "empty corpus" "no documents" "$T/empty.txt" -k 2 -o "$T/bad"
expect2 "blank corpus" "no usable document" "$T/blank.txt" -k 2 -o "$T/bad"
expect2 "empty folder" "no documents" "$T/emptydir" -k 2 -o "$T/bad"
expect2 "one document" "at least 2" "$T/one.txt" -k 1 -o "$T/bad"
expect2 "vocabulary emptied by min-df" "min-df" "$corpus" -k 2 --min-df 1000 -o "$T/bad"
expect2 "max-df below min-df" "max_df" "$corpus" -k 2 --min-df 5 --max-df 2 -o "$T/bad"
expect2 "k larger than the matrix" "choose k <=" "$corpus" -k 500 --min-df 1 -o "$T/bad"
expect2 "binary file" "binary" "$T/bin.dat" -k 2 -o "$T/bad"
expect2 "missing corpus" "cannot read" "$T/nope.txt" -k 2 -o "$T/bad"
expect2 "no -o" "missing -o" "$corpus" -k 2
expect2 "bad method" "nmf or lsa" "$corpus" --method xyz -o "$T/bad"
expect2 "bad min-df" "min-df" "$corpus" --min-df -1 -o "$T/bad"
expect2 "fraction above 1" "max-df" "$corpus" --max-df 1.5 -o "$T/bad"
expect2 "top 1" "top" "$corpus" --top 1 -o "$T/bad"
expect2 "unknown option" "unknown" "$corpus" --frobnicate -o "$T/bad"
expect2 "output parent missing" "parent" "$corpus" -k 2 -o "$T/no/such/dir"
# a folder in the way of a result file: refused before any work
mkdir -p "$T/blocked/topics.png"
err=$("$BIN" topics "$corpus" -k 2 --min-df 1 -o "$T/blocked" 2>&1 >/dev/null)
check "folder in the way: exit 2" test $? -eq 2
check "folder in the way: named" grep -q "topics.png' exists and is not a regular file" <<<"$err"
check "folder in the way: nothing written" test "$(ls -A "$T/blocked")" = topics.png
# an existing result set is untouched by a failing run
sum_before=$(cat "$out"/* | md5sum)
"$BIN" topics "$T/one.txt" -k 1 -o "$out" --quiet 2>/dev/null
check "failing run exits 2 over old results" test $? -eq 2
check "old results untouched" test "$(cat "$out"/* | md5sum)" = "$sum_before"
check "no part files after failure" test -z "$(ls -A "$out" | grep '^\.')"

finish cli_topics
