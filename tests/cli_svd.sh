#!/usr/bin/env bash
# cli_svd.sh -- `lowrank svd` end to end: U S Vt reconstruct an exact-rank
# matrix, --help, the JSON report, and the bad-input battery (exit code,
# message naming the file, no partial outputs left behind).
#
# Inputs are written byte by byte with printf (no python needed); outputs are
# read back with od and checked with awk.  When Debian's /usr/bin/python3 has
# numpy, singular values are also compared with numpy.linalg.svd.
set -u
BIN=${LOWRANK_BIN:-lowrank}
T=$(mktemp -d /tmp/lowrank-cli-svd-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/support/harness.sh"

# ---- writing .npy files with printf ----------------------------------------
declare -A F64_CACHE
# f64_esc V: sets ESC to the 8 little-endian bytes of the double V (an
# integer, or nan) as printf escapes.  No subshells: fast enough for
# thousands of values.
f64_esc() {
    local v=$1 s=0 e=0 bits i b a
    ESC=${F64_CACHE[$v]:-}
    [ -n "$ESC" ] && return
    if [ "$v" = nan ]; then
        bits=$((0x7ff8000000000000))
    elif [ "$v" -eq 0 ]; then
        bits=0
    else
        a=$v
        if [ "$a" -lt 0 ]; then s=1; a=$((-a)); fi
        while [ $((a >> (e + 1))) -gt 0 ]; do e=$((e + 1)); done
        bits=$(( (s << 63) | ((e + 1023) << 52) | ((a << (52 - e)) & ((1 << 52) - 1)) ))
    fi
    for i in 0 1 2 3 4 5 6 7; do
        printf -v b '\\x%02x' $(( (bits >> (8 * i)) & 255 ))
        ESC+=$b
    done
    F64_CACHE[$v]=$ESC
}

# npy_header DESCR FORTRAN SHAPE: magic, version 1.0, header padded to 64.
npy_header() {
    local dict="{'descr': '$1', 'fortran_order': $2, 'shape': $3, }"
    local len=$(( ${#dict} + 1 ))
    local total=$(( (10 + len + 63) / 64 * 64 ))
    local hl=$(( total - 10 ))
    local pad=$(( total - 10 - ${#dict} - 1 ))
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((hl & 255)))\\x$(printf %02x $((hl >> 8)))"
    printf '%s%*s\n' "$dict" "$pad" ""
}

# npy_matrix FILE ROWS COLS V...: a float64 C-order matrix, values row by row.
npy_matrix() {
    local f=$1 m=$2 n=$3; shift 3
    local data="" v
    for v in "$@"; do f64_esc "$v"; data+=$ESC; done
    { npy_header '<f8' False "($m, $n)"; printf "$data"; } > "$f"
}

# ---- reading results back: od + awk ----------------------------------------
# npy_values FILE: the float64 data, one number per line, in file order.
npy_values() {
    local hl
    hl=$(od -A n -t u2 -j 8 -N 2 "$1" | tr -d ' ')
    od -A n -v -t f8 -j $((10 + hl)) "$1" | tr -s ' ' '\n' | sed '/^$/d'
}
npy_header_text() { head -c 128 "$1" | tr -d '\000' | tr -c '[:print:]' ' '; }

# The exact-rank test matrix: A(i,j) = (i+1)(j%7+1) + (i%3)(j%5) - 2, rank 3
# when it has at least 7 rows and 6 columns.
gen_values() { # ROWS COLS -> values row by row on one line
    local m=$1 n=$2 i j vals=()
    for ((i = 0; i < m; i++)); do
        for ((j = 0; j < n; j++)); do
            vals+=($(( (i + 1) * (j % 7 + 1) + (i % 3) * (j % 5) - 2 )))
        done
    done
    echo "${vals[@]}"
}

# check_svd DIR M N R AFILE_TXT: U S Vt in DIR reconstruct the values in
# AFILE_TXT (row-major, space separated) to 1e-9 relative; U^T U = I.
check_svd() {
    local d=$1 m=$2 n=$3 r=$4 atxt=$5
    npy_values "$d/U.npy" > "$T/u.txt"
    npy_values "$d/S.npy" > "$T/s.txt"
    npy_values "$d/Vt.npy" > "$T/vt.txt"
    awk -v m="$m" -v n="$n" -v r="$r" '
        FILENAME == ARGV[1] { u[nu++] = $1; next }     # column-major m x r
        FILENAME == ARGV[2] { s[ns++] = $1; next }
        FILENAME == ARGV[3] { vt[nv++] = $1; next }    # column-major r x n
        FILENAME == ARGV[4] { for (k = 1; k <= NF; k++) a[na++] = $k; next }  # row-major
        END {
            if (nu != m * r || ns != r || nv != r * n || na != m * n) {
                printf "sizes: U %d S %d Vt %d A %d\n", nu, ns, nv, na; exit 1 }
            amax = 0; err = 0
            for (i = 0; i < m; i++) for (j = 0; j < n; j++) {
                x = 0
                for (k = 0; k < r; k++) x += u[i + k * m] * s[k] * vt[k + j * r]
                d = x - a[i * n + j]; if (d < 0) d = -d
                if (d > err) err = d
                v = a[i * n + j]; if (v < 0) v = -v; if (v > amax) amax = v
            }
            orth = 0
            for (p = 0; p < r; p++) for (q = 0; q < r; q++) {
                x = 0; for (i = 0; i < m; i++) x += u[i + p * m] * u[i + q * m]
                x -= (p == q); if (x < 0) x = -x; if (x > orth) orth = x
            }
            desc = 1; for (k = 1; k < r; k++) if (s[k] > s[k - 1] || s[k] < 0) desc = 0
            if (err > 1e-9 * amax || orth > 1e-9 || !desc) {
                printf "reconstruction error %g (max |A| %g), |U^T U - I| %g, descending %d\n",
                    err, amax, orth, desc; exit 1 }
        }' "$T/u.txt" "$T/s.txt" "$T/vt.txt" "$atxt"
}

# no_outputs DIR: none of U.npy S.npy Vt.npy, and no hidden leftovers.
no_outputs() {
    [ ! -d "$1" ] && return 0
    local left
    left=$(ls -A "$1" | grep -v '^keep$' || true)
    [ -z "$left" ] || { echo "left in $1: $left" >&2; return 1; }
}

# expect_fail WHAT CODE OUTDIR FRAGMENT ARGS...: exit CODE, stderr mentions
# FRAGMENT, OUTDIR holds no outputs afterwards.
expect_fail() {
    local what=$1 code=$2 out=$3 frag=$4; shift 4
    "$BIN" svd "$@" > "$T/stdout" 2> "$T/stderr"
    local rc=$?
    if [ "$rc" != "$code" ]; then
        bad "$what: exit $rc, want $code ($(cat "$T/stderr"))"; return
    fi
    if ! grep -qF -- "$frag" "$T/stderr"; then
        bad "$what: message does not mention '$frag': $(cat "$T/stderr")"; return
    fi
    if grep -q "Segmentation\|Aborted\|core dumped" "$T/stderr"; then bad "$what: crashed"; return; fi
    if no_outputs "$out"; then ok; else bad "$what: partial outputs left"; fi
}

# ============================================================================
# --help
"$BIN" svd --help > "$T/help" 2>&1
check "--help exits 0" [ $? -eq 0 ]
for w in "--rank" "default 10" "--tol" "--energy" "--method" "default randomized" \
         "--oversample" "--power-iters" "default 4" "--normalizer" "default auto" \
         "--block" "default 16" "--dtype" "--seed" "--threads" "--json" "--quiet" "-o"; do
    check "--help mentions '$w'" grep -qF -- "$w" "$T/help"
done

# ---- reconstruction of an exact-rank matrix ---------------------------------
M=7; N=9
vals=$(gen_values $M $N)
echo "$vals" > "$T/a.txt"
npy_matrix "$T/A.npy" $M $N $vals
for method in exact randomized krylov; do
    out="$T/out-$method"
    "$BIN" svd "$T/A.npy" -k 3 --method $method -o "$out" --quiet > "$T/stdout" 2> "$T/stderr"
    rc=$?
    check "$method: exit 0 ($(cat "$T/stderr"))" [ $rc -eq 0 ]
    check "$method: --quiet prints nothing" [ ! -s "$T/stderr" -a ! -s "$T/stdout" ]
    [ $rc -eq 0 ] || continue
    check "$method: U is 7 x 3" grep -qF "'shape': (7, 3)" <(npy_header_text "$out/U.npy")
    check "$method: S is 1-D (3,)" grep -qF "'shape': (3,)" <(npy_header_text "$out/S.npy")
    check "$method: Vt is 3 x 9" grep -qF "'shape': (3, 9)" <(npy_header_text "$out/Vt.npy")
    check "$method: U S Vt = A" check_svd "$out" $M $N 3 "$T/a.txt"
    check "$method: only the three files" [ "$(ls -A "$out" | tr '\n' ' ')" = "S.npy U.npy Vt.npy " ]
done
# Rank 2 of a rank-3 matrix is not exact: the reconstruction check must fail
# (the checker can fail).
"$BIN" svd "$T/A.npy" -k 2 --method exact -o "$T/out-k2" --quiet 2>/dev/null
check "k=2 runs" [ $? -eq 0 ]
check "the checker rejects a rank-2 approximation" eval '! check_svd "$T/out-k2" $M $N 2 "$T/a.txt" >/dev/null'

# Summary on stderr and JSON on stdout; existing results are replaced.
echo old > "$T/out-exact/U.npy"
"$BIN" svd "$T/A.npy" -k 3 -o "$T/out-exact" --json --seed 7 > "$T/json" 2> "$T/summary"
check "json run: exit 0" [ $? -eq 0 ]
check "old U.npy replaced" check_svd "$T/out-exact" $M $N 3 "$T/a.txt"
for w in '"singular_values"' '"explained_variance"' '"error_estimate"' '"rank":	3' \
         '"shape":	[7, 9]' '"method":	"randomized"' '"seed":	7' '"files"' '"time_s"'; do
    check "json has $w" grep -qF -- "$w" "$T/json"
done
for w in "7 x 9" "randomized" "rank 3" "passes" "explained variance" "U.npy"; do
    check "summary mentions '$w'" grep -qF -- "$w" "$T/summary"
done

# Fixed accuracy: --tol on an exact rank-3 matrix finds a rank >= 3 with a tiny error.
"$BIN" svd "$T/A.npy" --tol 1e-6 -o "$T/out-tol" --json --quiet > "$T/json" 2> "$T/stderr"
check "--tol: exit 0 ($(cat "$T/stderr"))" [ $? -eq 0 ]
r=$(sed -n 's/.*"rank":[[:space:]]*\([0-9]*\).*/\1/p' "$T/json")
check "--tol: rank $r in 3..7" [ "${r:-0}" -ge 3 -a "${r:-0}" -le 7 ]
[ -n "$r" ] && check "--tol: U S Vt = A" check_svd "$T/out-tol" $M $N "$r" "$T/a.txt"

# ---- bad input battery -------------------------------------------------------
O="$T/never"          # an output folder that must not appear
expect_fail "missing file" 2 "$O" "nope.npy" "$T/nope.npy" -o "$O"
check "missing file: output folder not created" [ ! -e "$O" ]
: > "$T/empty.npy"
expect_fail "empty file" 2 "$O" "empty.npy" "$T/empty.npy" -o "$O"
head -c 150 "$T/A.npy" > "$T/trunc.npy"
expect_fail "truncated file" 2 "$O" "trunc.npy" "$T/trunc.npy" -o "$O"
expect_fail "truncated file says so" 2 "$O" "truncated" "$T/trunc.npy" -o "$O"
echo "this is not a matrix" > "$T/text.npy"
expect_fail "not a .npy file" 2 "$O" "text.npy" "$T/text.npy" -o "$O"
nanvals=$(echo "$vals" | awk '{ $13 = "nan"; print }')
npy_matrix "$T/nan.npy" $M $N $nanvals
expect_fail "NaN inside" 2 "$O" "nan.npy" "$T/nan.npy" -o "$O"
expect_fail "NaN position" 2 "$O" "row 1, column 3" "$T/nan.npy" -o "$O"
{ npy_header '>f8' False "(2, 2)"; printf '%032d' 0; } > "$T/be.npy"
expect_fail "big-endian" 2 "$O" "be.npy" "$T/be.npy" -o "$O"
{ npy_header '<i8' False "(2, 2)"; printf '%032d' 0; } > "$T/int.npy"
expect_fail "integers" 2 "$O" "int.npy" "$T/int.npy" -o "$O"
{ npy_header '<f8' False "(2, 2, 2)"; printf '%064d' 0; } > "$T/3d.npy"
expect_fail "3-D" 2 "$O" "3d.npy" "$T/3d.npy" -o "$O"
{ npy_header '<f8' False "(1000000000000, 1000000000000)"; } > "$T/huge.npy"
expect_fail "absurd shape" 2 "$O" "huge.npy" "$T/huge.npy" -o "$O"
expect_fail "k = 0" 2 "$O" "at least 1" "$T/A.npy" -k 0 -o "$O"
expect_fail "k > min(m, n)" 2 "$O" \
    "k = 8 is larger than min(m, n) = 7 for $T/A.npy (7 x 9); choose k <= 7" "$T/A.npy" -k 8 -o "$O"
expect_fail "k negative" 2 "$O" "-k" "$T/A.npy" -k -3 -o "$O"
expect_fail "k not a number" 2 "$O" "'ten'" "$T/A.npy" -k ten -o "$O"
expect_fail "k empty" 2 "$O" "-k" "$T/A.npy" -k "" -o "$O"
expect_fail "k with junk" 2 "$O" "'3x'" "$T/A.npy" --rank 3x -o "$O"
expect_fail "unknown option" 2 "$O" "--bogus" "$T/A.npy" --bogus -o "$O"
expect_fail "option without value" 2 "$O" "--method" "$T/A.npy" -o "$O" --method
expect_fail "bad method" 2 "$O" "'fast'" "$T/A.npy" --method fast -o "$O"
expect_fail "tol and energy" 2 "$O" "not both" "$T/A.npy" --tol 0.1 --energy 0.9 -o "$O"
expect_fail "tol out of range" 2 "$O" "--tol" "$T/A.npy" --tol 1.5 -o "$O"
expect_fail "no -o" 2 "$O" "-o" "$T/A.npy"
expect_fail "no input" 2 "$O" "input" -o "$O"
expect_fail "folder as input" 2 "$O" "folder" "$T" -o "$O"
check "no output folder was ever created" [ ! -e "$O" ]
# Output folders that cannot be written.
expect_fail "output under /proc" 2 "/proc/lowrank-x/out" "/proc/lowrank-x/out" \
    "$T/A.npy" -o /proc/lowrank-x/out
expect_fail "output directly in /proc" 2 "/proc/lowrank-x" "/proc/lowrank-x" \
    "$T/A.npy" -o /proc/lowrank-x
echo file > "$T/plainfile"
expect_fail "output is a file" 2 "$T/none" "plainfile" "$T/A.npy" -o "$T/plainfile"
expect_fail "output under a file" 2 "$T/none" "plainfile/sub" "$T/A.npy" -o "$T/plainfile/sub"
mkdir -p "$T/hasdir/U.npy"
"$BIN" svd "$T/A.npy" -k 3 -o "$T/hasdir" > /dev/null 2> "$T/stderr"
check "U.npy is a folder: exit 2" [ $? -eq 2 ]
check "U.npy is a folder: named" grep -qF "hasdir/U.npy" "$T/stderr"
check "U.npy is a folder: nothing written" [ "$(ls -A "$T/hasdir")" = "U.npy" ]
if [ "$(id -u)" != 0 ]; then
    mkdir "$T/ro" && chmod 555 "$T/ro"
    expect_fail "read-only folder" 2 "$T/ro" "$T/ro" "$T/A.npy" -o "$T/ro"
fi

# A write that fails midway (file-size limit, like a full disk): exit 1, the
# previous U.npy S.npy Vt.npy untouched, no new or hidden files.  U and S are
# small and Vt is large, so the failure comes after U and S were written.
M2=4; N2=700
npy_matrix "$T/wide.npy" $M2 $N2 $(gen_values $M2 $N2)
mkdir "$T/full"
for f in U S Vt; do echo "old $f" > "$T/full/$f.npy"; done
( trap '' XFSZ; ulimit -f 12; exec "$BIN" svd "$T/wide.npy" -k 3 -o "$T/full" ) \
    > /dev/null 2> "$T/stderr"
rc=$?
check "failed write: exit 1 (got $rc: $(cat "$T/stderr"))" [ $rc -eq 1 ]
check "failed write: message names the file" grep -q "Vt.npy" "$T/stderr"
check "failed write: old files kept" \
    [ "$(cat "$T/full/U.npy" "$T/full/S.npy" "$T/full/Vt.npy" | tr '\n' ' ')" = "old U old S old Vt " ]
check "failed write: nothing else left" [ "$(ls -A "$T/full" | tr '\n' ' ')" = "S.npy U.npy Vt.npy " ]
# The same matrix without the limit works (the limit was the only problem).
"$BIN" svd "$T/wide.npy" -k 3 -o "$T/full" --quiet
check "wide matrix without the limit: exit 0" [ $? -eq 0 ]
check "wide matrix: U S Vt = A" check_svd "$T/full" $M2 $N2 3 <(gen_values $M2 $N2)

# ---- optional: compare with numpy (Debian's python3 only) --------------------
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
    "$PY" - "$T" <<'EOF'
import numpy as np, sys
d = sys.argv[1]
rng = np.random.default_rng(1)
a = rng.standard_normal((60, 40)).astype(np.float32)      # C order, float32
np.save(d + '/rand32.npy', a)
np.save(d + '/rand64f.npy', np.asfortranarray(a.astype(np.float64)))
EOF
    for f in rand32 rand64f; do
        "$BIN" svd "$T/$f.npy" -k 5 --method exact -o "$T/np-$f" --quiet
        check "numpy $f: exit 0" [ $? -eq 0 ]
        "$PY" - "$T" "$f" <<'EOF'
import numpy as np, sys
d, f = sys.argv[1], sys.argv[2]
a = np.load(f"{d}/{f}.npy").astype(np.float64)
u, s, vt = (np.load(f"{d}/np-{f}/{x}.npy") for x in ("U", "S", "Vt"))
want = np.linalg.svd(a, compute_uv=False)[:5]
tol = 1e-4 if u.dtype == np.float32 else 1e-10
assert u.shape == (60, 5) and s.shape == (5,) and vt.shape == (5, 40), (u.shape, s.shape, vt.shape)
assert np.allclose(s, want, rtol=tol), (s, want)
best = np.sqrt(np.sum(np.linalg.svd(a, compute_uv=False)[5:] ** 2))
got = np.linalg.norm(a - (u.astype(np.float64) * s) @ vt)
assert got <= best * (1 + 10 * tol), (got, best)
EOF
        check "numpy $f: singular values and error match numpy.linalg.svd" [ $? -eq 0 ]
    done
else
    echo "cli_svd: SKIPPED the numpy comparison (/usr/bin/python3 with numpy not found)"
fi

finish cli_svd
