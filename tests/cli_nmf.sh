#!/usr/bin/env bash
# cli_nmf.sh -- `lowrank nmf` end to end: an exact-rank non-negative .mtx
# matrix is factorized to a small relative error (checked from W.npy and
# H.npy themselves when Debian's python3 has numpy, else from report.json);
# --help; `lowrank svd` on .mtx; the bad-input battery: k larger than the
# matrix, negative entries, NaN, empty and truncated files, bad options --
# exit 2, a message naming the file, no outputs created and an existing
# result left untouched.
set -u
BIN=${LOWRANK_BIN:-lowrank}
T=$(mktemp -d /tmp/lowrank-cli-nmf-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/support/harness.sh"

# A = W0 H0 (12 x 9, rank 2) with W0, H0 >= 0, written as coordinate real.
mk_planted() {
    awk 'BEGIN {
        m = 12; n = 9; nnz = 0
        for (i = 1; i <= m; i++) { w1[i] = (i % 3 == 0) ? 0 : 1 + (i % 5); w2[i] = (i % 4 == 1) ? 0 : 2 + (i % 3) }
        for (j = 1; j <= n; j++) { h1[j] = (j % 2) ? 1 + j % 4 : 0; h2[j] = (j % 3 == 2) ? 0 : 1 + j % 2 }
        for (i = 1; i <= m; i++) for (j = 1; j <= n; j++) { v = w1[i] * h1[j] + w2[i] * h2[j]; if (v != 0) { nnz++; line[nnz] = i " " j " " v } }
        print "%%MatrixMarket matrix coordinate real general"
        print "% planted rank 2"
        print m, n, nnz
        for (q = 1; q <= nnz; q++) print line[q]
    }' > "$1"
}
mk_planted "$T/a.mtx"

# ---- happy path ---------------------------------------------------------------
out=$("$BIN" nmf "$T/a.mtx" -k 2 -o "$T/out" --tol 1e-12 --max-iter 3000 --json 2>"$T/err")
rc=$?
check "nmf exit 0 (rc $rc: $(cat "$T/err"))" [ $rc -eq 0 ]
for f in W.npy H.npy report.json; do check "$f written" [ -s "$T/out/$f" ]; done
relerr=$(printf '%s\n' "$out" | awk -F'[:,]' '/"relative_error"/ { gsub(/[ \t]/, "", $2); print $2 }')
check "relative error reported ($relerr)" [ -n "$relerr" ]
check "exact rank 2 recovered (relative error $relerr)" awk -v e="${relerr:-1}" 'BEGIN { exit !(e < 1e-4) }'
check "report.json has the loss history" grep -q '"loss_history"' "$T/out/report.json"
check "report.json names the solver" grep -q '"solver":[[:space:]]*"cd"' "$T/out/report.json"
check "report.json names the stopping rule" grep -q '"stop":[[:space:]]*"loss"' "$T/out/report.json"
"$BIN" nmf "$T/a.mtx" -k 2 -o "$T/outv" --stop violation --tol 1e-6 --max-iter 3000 --quiet 2>"$T/errv"
check "nmf --stop violation: exit 0 ($(cat "$T/errv"))" [ $? -eq 0 ]
check "report.json: violation rule" grep -q '"stop":[[:space:]]*"violation"' "$T/outv/report.json"
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    # Independent check from the written factors: non-negative, shapes, ||A - WH|| / ||A||.
    check "W, H reproduce A (numpy)" /usr/bin/python3 - "$T" <<'PY'
import sys, numpy as np
d = sys.argv[1]
W = np.load(d + "/out/W.npy"); H = np.load(d + "/out/H.npy")
A = np.zeros((12, 9))
rows = [l.split() for l in open(d + "/a.mtx") if not l.startswith("%")][1:]
for i, j, v in rows: A[int(i) - 1, int(j) - 1] = float(v)
assert W.shape == (12, 2) and H.shape == (2, 9), (W.shape, H.shape)
assert (W >= 0).all() and (H >= 0).all()
e = np.linalg.norm(A - W @ H) / np.linalg.norm(A)
assert e < 1e-4, e
np.save(d + "/a.npy", A)
PY
    # Dense input gives the same factors as the sparse file (after thousands
    # of iterations rounding differences grow to ~1e-7 of the entries).
    "$BIN" nmf "$T/a.npy" -k 2 -o "$T/outd" --tol 1e-12 --max-iter 3000 --quiet
    check "dense .npy input exit 0" [ $? -eq 0 ]
    check "dense and sparse factors agree" /usr/bin/python3 -c "
import numpy as np
for f in ('W', 'H'):
    a, b = np.load('$T/out/%s.npy' % f), np.load('$T/outd/%s.npy' % f)
    assert np.abs(a - b).max() <= 1e-5 * np.abs(a).max(), (f, np.abs(a - b).max())"
fi
"$BIN" nmf "$T/a.mtx" -k 2 -o "$T/outmu" --solver mu --init random --seed 3 --dtype f32 --quiet
check "mu solver, random init, f32: exit 0" [ $? -eq 0 ]
check "mu report says mu" grep -q '"solver":[[:space:]]*"mu"' "$T/outmu/report.json"
"$BIN" nmf --help > "$T/help" 2>&1
check "--help exit 0" [ $? -eq 0 ]
check "--help mentions --solver" grep -q -- "--solver" "$T/help"
"$BIN" svd "$T/a.mtx" -k 2 -o "$T/svd" --quiet
check "svd on .mtx exit 0" [ $? -eq 0 ]
check "svd on .mtx writes S.npy" [ -s "$T/svd/S.npy" ]
if [ -f "$T/a.npy" ]; then
    "$BIN" svd "$T/a.npy" -k 2 -o "$T/svdd" --quiet
    check "svd of the same matrix from .npy and .mtx: same singular values" /usr/bin/python3 -c "
import numpy as np
a, b = np.load('$T/svd/S.npy'), np.load('$T/svdd/S.npy')
assert np.abs(a - b).max() <= 1e-10 * a[0], (a, b)"
fi
"$BIN" svd "$T/a.mtx" -k 2 -o "$T/svdx" --method exact 2>"$T/svdx.err"
check "svd --method exact on .mtx: exit 2" [ $? -eq 2 ]
check "svd --method exact on .mtx: says why" grep -q "exact needs a dense matrix" "$T/svdx.err"
check "svd --method exact on .mtx: no output folder" [ ! -e "$T/svdx" ]

# ---- bad input: exit 2, message naming the file, nothing written ----------------
expect_bad() { # NAME FILE WANT_IN_MESSAGE ARGS...
    local name=$1 file=$2 want=$3; shift 3
    rm -rf "$T/bad"
    "$BIN" nmf "$file" -o "$T/bad" "$@" > "$T/bad.out" 2> "$T/bad.err"
    local rc=$?
    check "$name: exit 2 (got $rc)" [ $rc -eq 2 ]
    check "$name: message mentions '$want' ($(cat "$T/bad.err"))" grep -q -- "$want" "$T/bad.err"
    check "$name: one line" [ "$(wc -l < "$T/bad.err")" -eq 1 ]
    check "$name: no output folder left" [ ! -e "$T/bad" ]
}
expect_bad "k too large" "$T/a.mtx" "a.mtx" -k 10
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 -3\n' > "$T/neg.mtx"
expect_bad "negative entry" "$T/neg.mtx" "negative" -k 1
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 nan\n' > "$T/nan.mtx"
expect_bad "NaN" "$T/nan.mtx" "nan.mtx" -k 1
: > "$T/empty.mtx"
expect_bad "empty file" "$T/empty.mtx" "empty" -k 1
head -c 60 "$T/a.mtx" > "$T/trunc.mtx"
expect_bad "truncated file" "$T/trunc.mtx" "trunc.mtx" -k 1
printf 'garbage\x00\x01\x02' > "$T/bin.mtx"
expect_bad "binary file" "$T/bin.mtx" "bin.mtx" -k 1
expect_bad "missing file" "$T/nope.mtx" "nope.mtx" -k 1
printf '%%%%MatrixMarket matrix coordinate real general\n3 4 0\n' > "$T/zero.mtx"
expect_bad "all-zero matrix" "$T/zero.mtx" "no non-zero" -k 1
expect_bad "bad solver" "$T/a.mtx" "solver" -k 2 --solver xyz
expect_bad "bad init" "$T/a.mtx" "init" -k 2 --init xyz
expect_bad "negative l1" "$T/a.mtx" "l1" -k 2 --l1 -1
expect_bad "bad stop rule" "$T/a.mtx" "stop" -k 2 --stop xyz
expect_bad "violation rule with mu" "$T/a.mtx" "violation" -k 2 --solver mu --stop violation
expect_bad "unknown option" "$T/a.mtx" "frobnicate" -k 2 --frobnicate

# An existing result is left untouched by a failing run.
before=$(md5sum "$T/out/W.npy" "$T/out/report.json")
"$BIN" nmf "$T/neg.mtx" -k 1 -o "$T/out" 2>/dev/null
check "failing run into an existing folder: exit 2" [ $? -eq 2 ]
check "existing results unchanged" [ "$before" = "$(md5sum "$T/out/W.npy" "$T/out/report.json")" ]
check "no hidden parts left" [ -z "$(ls -A "$T/out" | grep '^\.')" ]

finish cli_nmf
