#!/usr/bin/env bash
# cli_badinput.sh -- the bad-input battery: every subcommand against
# malformed and hostile input and options.  For each case:
#   - the exit code is the one expected: 2 (bad usage or input) or 1
#     (runtime failure, e.g. a write that fails);
#   - no crash: exit < 128 and no sanitizer report (ASan, LSan, UBSan) on
#     stderr;
#   - one clear message: stderr has at most 3 lines, one of them starts
#     with "lowrank CMD:" and it names the file or option at fault and
#     says what is wrong (the fragments given with the case);
#   - nothing written: the work folder is exactly as before the run (every
#     file's bytes, size, mode and mtime; no new files, hidden temporaries
#     or folders), so an existing output file is untouched and no partial
#     output is left.
# Valid small inputs come from the fuzz seed generator of the build
# ($LOWRANK_BUILD/fuzz/fuzz_seeds); the damaged ones are derived from them
# here with printf/head/dd.  Prints 'N passed, N failed'.
set -u
BIN=${LOWRANK_BIN:-lowrank}
BUILD=${LOWRANK_BUILD:-}
SEEDS_BIN=${BUILD:+$BUILD/fuzz/fuzz_seeds}
T=$(mktemp -d /tmp/lowrank-badinput-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/support/harness.sh"

if [ -z "$SEEDS_BIN" ] || [ ! -x "$SEEDS_BIN" ]; then
    echo "cli_badinput: needs the seed generator: LOWRANK_BUILD/fuzz/fuzz_seeds (LOWRANK_BUILD='$BUILD')" >&2
    exit 1
fi
"$SEEDS_BIN" "$T/seeds" > /dev/null || { echo "cli_badinput: fuzz_seeds failed" >&2; exit 1; }
S=$T/seeds
W=$T/w          # the work folder: every input and output of the cases
mkdir "$W"
cd "$W" || exit 1

# ---- byte helpers ------------------------------------------------------------
# crc32 FILE OFFSET LENGTH: CRC-32 (PNG/zlib) of those bytes, in decimal.
crc32() {
    local c=$((0xFFFFFFFF)) b k
    for b in $(od -A n -v -t u1 -j "$2" -N "$3" "$1"); do
        c=$((c ^ b))
        for k in 0 1 2 3 4 5 6 7; do
            if ((c & 1)); then c=$(((c >> 1) ^ 0xEDB88320)); else c=$((c >> 1)); fi
        done
    done
    echo $((c ^ 0xFFFFFFFF))
}
# be32 N: 4 big-endian bytes as printf escapes.
be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
# patch FILE OFFSET ESCAPES: overwrites bytes in place.
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# png_size IN OUT W H: a copy of PNG IN whose IHDR declares W x H (valid CRC).
png_size() {
    cp "$1" "$2"
    patch "$2" 16 "$(be32 "$3")$(be32 "$4")"
    patch "$2" 29 "$(be32 "$(crc32 "$2" 12 17)")"
}
# jpeg_size IN OUT W H: a copy of JPEG IN whose SOF0 declares W x H.
jpeg_size() {
    cp "$1" "$2"
    local off
    off=$(od -A d -v -t x1 -w1 "$2" | awk 'p == "ff" && $2 == "c0" { print $1 - 1; exit } { p = $2 }')
    [ -n "$off" ] || { echo "no SOF0 in $1" >&2; return 1; }
    patch "$2" $((off + 5)) "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($4 >> 8 & 255)) $(($4 & 255)) $(($3 >> 8 & 255)) $(($3 & 255)))"
}
# npy HDRDICT DATABYTES: a version 1.0 .npy with that header on stdout.
npy() {
    local dict=$1 nbytes=$2
    local total=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 ))
    local hl=$((total - 10))
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((hl & 255)))\\x$(printf %02x $((hl >> 8)))"
    printf '%s%*s\n' "$dict" $((hl - ${#dict} - 1)) ""
    [ "$nbytes" -gt 0 ] && head -c "$nbytes" /dev/zero
    return 0
}
# f64 little-endian bytes of 1.0, NaN, +Inf
ONE='\x00\x00\x00\x00\x00\x00\xf0\x3f'
NAN='\x00\x00\x00\x00\x00\x00\xf8\x7f'
INF='\x00\x00\x00\x00\x00\x00\xf0\x7f'

# ---- the inputs ----------------------------------------------------------------
cp "$S/npy/f64_3x4.npy" A.npy
cp "$S/png/rgb8.png" img.png
cp "$S/jpeg/rgb_q90.jpg" img.jpg
cp "$S/lrz/8x6x1_k2_b32.lrz" x.lrz
cp "$S/video/c420_10x8x3.y4m" v.y4m
[ -f "$S/video/h264_16x12x6.mp4" ] && cp "$S/video/h264_16x12x6.mp4" v.mp4 || cp v.y4m v.mp4
mkdir gt && for i in 1 2 3; do cp "$S/truth/gt_gray8.png" "gt/gt00000$i.png"; done
: > empty.npy; : > empty.png; : > empty.lrz; : > empty.mp4
echo "this is not a matrix" > text.npy
cp text.npy text.png; cp text.npy text.lrz; cp text.npy text.mp4
head -c 100 A.npy > trunc.npy
head -c 60 img.png > trunc.png
head -c 200 img.jpg > trunc.jpg
head -c 80 x.lrz > trunc.lrz
head -c 900 v.mp4 > trunc.mp4
{ head -c 40 img.png; printf 'XXXX'; tail -c +45 img.png; } > corrupt.png
{ head -c 150 img.jpg; head -c 64 /dev/zero; tail -c +215 img.jpg; } > corrupt.jpg
{ head -c 100 x.lrz; printf '\xff\xff'; tail -c +103 x.lrz; } > corrupt.lrz
{ head -c 20 x.lrz; printf '\x07'; tail -c +22 x.lrz; } > badcrc.lrz
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }" 0; } > huge.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, 100000000), }" 64; } > big.npy
{ npy "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }" 32; } > be.npy
{ npy "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }" 16; } > int.npy
{ npy "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }" 16; } > obj.npy
{ npy "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }" 64; } > complex.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }" 48; } > neg.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }" 64; } > 3d.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }" 0; printf "$ONE$NAN$ONE$ONE"; } > nan.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }" 0; printf "$ONE$ONE$INF$ONE"; } > inf.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }" 0; } > zero.npy
{ npy "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000000000), }" 0; } > zerowide.npy
png_size img.png zero.png 0 0
png_size img.png huge.png 100000 100000
jpeg_size img.jpg huge.jpg 65000 65000
jpeg_size img.jpg zero.jpg 0 16
printf 'YUV4MPEG2 W100000 H100000 F25:1 Ip C420jpeg\nFRAME\n' > huge.y4m
head -c 300 /dev/zero >> huge.y4m
printf 'YUV4MPEG2 W0 H0 F25:1 Ip C420jpeg\nFRAME\n' > zero.y4m
# Memory limits: a valid 400 x 300 float64 matrix (960,000 bytes: over
# --max-memory 1M once the SVD's workspace is planned), and a sparse file
# (no disk used) holding a complete 2 x physical-memory matrix, refused by
# the default limit (the memory available).
{ npy "{'descr': '<f8', 'fortran_order': True, 'shape': (400, 300), }" 0
  head -c 960000 /dev/zero | tr '\0' '\100'; } > mid.npy
memkb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
side=$(awk -v kb="$memkb" 'BEGIN { printf "%d", sqrt(kb * 1024 * 2 / 8) + 1 }')
# (Outside the work folder: the snapshots would read all of it.)
npy "{'descr': '<f8', 'fortran_order': True, 'shape': ($side, $side), }" 0 > "$T/sparse.npy"
truncate -s $((128 + side * side * 8)) "$T/sparse.npy"
echo "old result" > existing.lrz
echo "old picture" > existing.png
mkdir outdir && echo "old U" > outdir/U.npy
mkdir sepout && echo "old report" > sepout/report.json
mkdir gt_bad && cp img.png gt_bad/gt000001.png  # RGB 9x6: wrong size for the video
# nmf / svd on .mtx, topics, recommend
cp "$S/mtx/coord_real.mtx" a.mtx
head -n 4 a.mtx > trunc.mtx                      # 4 entries declared, 1 given
printf '%%%%MatrixMarket matrix coordinate real general\n4000000000 4000000000 9000000000000000\n1 1 1\n' > huge.mtx
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 nan\n' > nan.mtx
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 -3\n' > neg.mtx
printf '%%%%MatrixMarket matrix coordinate real general\n3 4 3\n1 1 1.5\n2 3 2\n3 4 1e-3\n' > pos.mtx
printf 'matrix factorization of term counts\nlatent topics from word counts\nterm weighting and topics\nrandom matrix sketches\n' > docs.txt
printf 'text, then a NUL\0 and more\n' > bin.txt
printf '\xff\xfe words\n\xc0\x80 overlong\n' > badutf.txt
printf '\n  \n' > blank.txt
cp "$S/lrm/explicit_als_k2.lrm" m.lrm
cp "$S/lrm/version2.lrm" v2.lrm
head -c 200 m.lrm > trunc.lrm
{ head -c 150 m.lrm; printf '\x55'; tail -c +152 m.lrm; } > corrupt.lrm
echo "not a model" > text.lrm
cp "$S/ratings/header.csv" r.csv
printf 'u1,a,5\nu1,b,oops\n' > badline.csv
printf 'u1,a,5\nu2,b,nan\n' > nanr.csv
printf 'PK\3\4\0\0binary\0' > bin.csv

# ---- the check -----------------------------------------------------------------
snapshot() {
    find . \( -type f -printf 'f %p %s %m %T@\n' \) -o \( ! -type f -printf '%y %p %m\n' \) | sort
    find . -type f -exec md5sum {} + | sort
}

# case CODE "FRAG1|FRAG2..." ARGS...: runs lowrank ARGS; every fragment must
# appear (case-insensitive) in the "lowrank CMD:" line.
case_() {
    local code=$1 frags=$2; shift 2
    local what="lowrank $*"
    local before after rc cmd=$1
    # recommend's messages start "lowrank recommend train:" (its commands)
    [ "$cmd" = recommend ] && case ${2:-} in train|eval|top|similar|foldin) cmd="$1 $2" ;; esac
    before=$(snapshot)
    # A refusal takes well under a second: 60 s means it hangs.
    timeout -k 5 60 "$BIN" "$@" > "$T/stdout" 2> "$T/stderr" < /dev/null
    rc=$?
    after=$(snapshot)
    if [ "$rc" = 124 ]; then
        bad "$what: HANG (killed after 60 s)"
        return
    fi
    local err msg
    err=$(cat "$T/stderr")
    if [ "$rc" -ge 128 ] || grep -qE 'Sanitizer|runtime error:|Segmentation|Aborted|core dumped' "$T/stderr"; then
        bad "$what: CRASH (exit $rc): $(head -c 2000 "$T/stderr")"
        return
    fi
    if [ "$rc" != "$code" ]; then
        bad "$what: exit $rc, want $code: $err"
        return
    fi
    msg=$(grep "^lowrank $cmd: " "$T/stderr" | tail -n 1)
    if [ -z "$msg" ]; then
        bad "$what: no 'lowrank $cmd:' message: $err"
        return
    fi
    if [ "$(wc -l < "$T/stderr")" -gt 3 ]; then
        bad "$what: more than 3 lines on stderr: $err"
        return
    fi
    local f IFS='|'
    for f in $frags; do
        if ! printf '%s' "$msg" | grep -qiF -- "$f"; then
            bad "$what: the message does not mention '$f': $msg"
            return
        fi
    done
    if [ "$before" != "$after" ]; then
        bad "$what: the work folder changed: $(diff <(echo "$before") <(echo "$after") | head -n 6 | tr '\n' ' ')"
        return
    fi
    ok
}

# ============================================================================
# lowrank svd A.npy -o OUTDIR
case_ 2 "empty.npy|empty"              svd empty.npy -o outdir
case_ 2 "trunc.npy|truncated"          svd trunc.npy -o outdir
case_ 2 "text.npy|not a NumPy"         svd text.npy -o outdir
case_ 2 "huge.npy|1000000000000"       svd huge.npy -o outdir
case_ 2 "big.npy"                      svd big.npy -o outdir
case_ 2 "be.npy|big-endian"            svd be.npy -o outdir
case_ 2 "int.npy|integer"              svd int.npy -o outdir
case_ 2 "obj.npy|object"               svd obj.npy -o outdir
case_ 2 "complex.npy|complex"          svd complex.npy -o outdir
case_ 2 "neg.npy|negative"             svd neg.npy -o outdir
case_ 2 "3d.npy|3 dimensions"          svd 3d.npy -o outdir
case_ 2 "nan.npy|NaN"                  svd nan.npy -o outdir
case_ 2 "inf.npy"                      svd inf.npy -o outdir
case_ 2 "zero.npy|empty"               svd zero.npy -o outdir
case_ 2 "zerowide.npy|1000000000000"   svd zerowide.npy -o outdir
case_ 2 "missing.npy"                  svd missing.npy -o outdir
case_ 2 "-k|at least 1"                svd A.npy -k 0 -o outdir
case_ 2 "-k|-5"                        svd A.npy -k -5 -o outdir
case_ 2 "-k|abc"                       svd A.npy -k abc -o outdir
case_ 2 "A.npy|k = 4"                  svd A.npy -k 4 -o outdir
case_ 2 "--oversample|x"               svd A.npy --oversample x -o outdir
case_ 2 "--tol"                        svd A.npy --tol nan -o outdir
case_ 2 "--threads"                    svd A.npy --threads -1 -o outdir
case_ 2 "--method|fast"                svd A.npy --method fast -o outdir
case_ 2 "--bogus"                      svd A.npy --bogus -o outdir
case_ 2 "nodir/sub"                    svd A.npy -o nodir/sub
case_ 2 "/proc/lowrank-x"              svd A.npy -o /proc/lowrank-x
case_ 2 "A.npy|not a folder"           svd A.npy -o A.npy
# --max-memory (every subcommand): refused from the header, before the data
# are allocated, naming the need, the limit and what to do.  The plan of a
# randomized SVD depends on the thread count (per-thread panels): 2 threads.
case_ 2 "mid.npy|400 x 300|needs 3.0 MiB|limit is 1.0 MiB|--max-memory" \
                                       svd mid.npy -o outdir --max-memory 1M --threads 2
case_ 2 "mid.npy|x the 937.5 KiB input|--method randomized" \
                                       svd mid.npy -o outdir --method exact --max-memory 4M
case_ 2 "sparse.npy|$side x $side|available|--max-memory" \
                                       svd "$T/sparse.npy" -o outdir
case_ 2 "--max-memory|'0'"             svd A.npy -o outdir --max-memory 0
case_ 2 "--max-memory|-5G"             svd A.npy -o outdir --max-memory -5G
case_ 2 "--max-memory|12Q"             svd A.npy -o outdir --max-memory 12Q
case_ 2 "--max-memory|101%"            svd A.npy -o outdir --max-memory 101%
case_ 2 "--max-memory|1e30"            svd A.npy -o outdir --max-memory 1e30

# ============================================================================
# lowrank compress IMAGE -o OUT.lrz
case_ 2 "empty.png|empty"              compress empty.png -k 2 -o existing.lrz
case_ 2 "trunc.png|truncated"          compress trunc.png -k 2 -o existing.lrz
case_ 2 "trunc.jpg"                    compress trunc.jpg -k 2 -o existing.lrz
case_ 2 "text.png"                     compress text.png -k 2 -o existing.lrz
case_ 2 "corrupt.png"                  compress corrupt.png -k 2 -o existing.lrz
case_ 2 "corrupt.jpg"                  compress corrupt.jpg -k 2 -o existing.lrz
case_ 2 "zero.png"                     compress zero.png -k 2 -o existing.lrz
case_ 2 "huge.png|100000"              compress huge.png -k 2 -o existing.lrz
case_ 2 "huge.jpg|65000"               compress huge.jpg -k 2 -o existing.lrz
case_ 2 "zero.jpg"                     compress zero.jpg -k 2 -o existing.lrz
case_ 2 "missing.png"                  compress missing.png -k 2 -o existing.lrz
case_ 2 "-k|0"                         compress img.png -k 0 -o existing.lrz
case_ 2 "-k|-2"                        compress img.png -k -2 -o existing.lrz
case_ 2 "-k|two"                       compress img.png -k two -o existing.lrz
case_ 2 "-k|larger"                    compress img.png -k 50 -o existing.lrz
case_ 2 "--energy"                     compress img.png --energy 1.5 -o existing.lrz
case_ 2 "--bits|12"                    compress img.png -k 2 --bits 12 -o existing.lrz
case_ 2 "--zstd-level"                 compress img.png -k 2 --zstd-level 0 -o existing.lrz
case_ 2 "--sweep"                      compress img.png --sweep 1,,x -o existing.png
case_ 2 "--max-pixels"                 compress img.png -k 2 --max-pixels -1 -o existing.lrz
case_ 2 "img.png|pixels"               compress img.png -k 2 --max-pixels 10 -o existing.lrz
case_ 2 "only one"                     compress img.png -k 2 --energy 0.9 -o existing.lrz
case_ 2 "--bogus"                      compress img.png -k 2 --bogus -o existing.lrz
case_ 2 "img.png|input"                compress img.png -k 2 -o img.png
case_ 2 "nodir"                        compress img.png -k 2 -o nodir/out.lrz
case_ 2 "/proc"                        compress img.png -k 2 -o /proc/out.lrz
case_ 2 "outdir|folder"                compress img.png -k 2 -o outdir
case_ 2 "img.png|9 x 6 pixels|2.5 x|limit is 1.0 KiB" \
                                       compress img.png -k 2 --max-memory 1K -o existing.lrz
case_ 2 "img.png|4.0 x|--method randomized" \
                                       compress img.png -k 2 --method exact --max-memory 2K -o existing.lrz
case_ 2 "--max-memory|lots"            compress img.png -k 2 --max-memory lots -o existing.lrz

# ============================================================================
# lowrank decompress IN.lrz -o OUT.png
case_ 2 "empty.lrz|empty"              decompress empty.lrz -o existing.png
case_ 2 "trunc.lrz|truncated"          decompress trunc.lrz -o existing.png
case_ 2 "text.lrz|not a .lrz"          decompress text.lrz -o existing.png
case_ 2 "corrupt.lrz|corrupt"          decompress corrupt.lrz -o existing.png
case_ 2 "badcrc.lrz|CRC"               decompress badcrc.lrz -o existing.png
case_ 2 "img.png|not a .lrz"           decompress img.png -o existing.png
case_ 2 "x.lrz|pixels"                 decompress x.lrz --max-pixels 10 -o existing.png
case_ 2 "--max-pixels|zero"            decompress x.lrz --max-pixels zero -o existing.png
case_ 2 "missing.lrz"                  decompress missing.lrz -o existing.png
case_ 2 "-o"                           decompress x.lrz -o
case_ 2 "x.lrz|input"                  decompress x.lrz -o x.lrz
case_ 2 "nodir"                        decompress x.lrz -o nodir/out.png
case_ 2 "outdir|folder"                decompress x.lrz -o outdir
case_ 2 "/proc"                        decompress x.lrz -o /proc/out.png
case_ 2 "x.lrz|pixel image|limit is 100 B" \
                                       decompress x.lrz --max-memory 100 -o existing.png
case_ 2 "--max-memory"                 decompress x.lrz --max-memory 1.5X -o existing.png

# ============================================================================
# lowrank separate VIDEO -o OUTDIR
case_ 2 "empty.mp4|empty"              separate empty.mp4 -o sepout
case_ 2 "text.mp4"                     separate text.mp4 -o sepout
case_ 2 "trunc.mp4"                    separate trunc.mp4 -o sepout
case_ 2 "huge.y4m"                     separate huge.y4m -o sepout
case_ 2 "zero.y4m"                     separate zero.y4m -o sepout
case_ 2 "missing.mp4"                  separate missing.mp4 -o sepout
case_ 2 "gt|folder"                    separate gt -o sepout
case_ 2 "--rank|0"                     separate v.y4m --method svd --rank 0 -o sepout
case_ 2 "--rank|x"                     separate v.y4m --method svd --rank x -o sepout
case_ 2 "--scale"                      separate v.y4m --scale 0 -o sepout
case_ 2 "--scale"                      separate v.y4m --scale -1 -o sepout
case_ 2 "--size"                       separate v.y4m --size 0x0 -o sepout
case_ 2 "--frames|5:2"                 separate v.y4m --frames 5:2 -o sepout
case_ 2 "v.y4m|frame"                  separate v.y4m --frames 50:60 -o sepout
case_ 2 "--max-iter"                   separate v.y4m --max-iter -3 -o sepout
case_ 2 "--dtype|f16"                  separate v.y4m --dtype f16 -o sepout
case_ 2 "--method|magic"               separate v.y4m --method magic -o sepout
case_ 2 "--bogus"                      separate v.y4m --bogus -o sepout
case_ 2 "nogt"                         separate v.y4m --truth nogt -o sepout
case_ 2 "gt_bad"                       separate v.y4m --truth gt_bad -o sepout
case_ 2 "existing.png|folder"          separate v.y4m -o existing.png
case_ 2 "nodir"                        separate v.y4m -o nodir/sub
case_ 2 "/proc"                        separate v.y4m -o /proc/lowrank-x
case_ 2 "v.y4m|3 frames of 10x8|4.0 x|--scale 0.5 or --frames" \
                                       separate v.y4m --max-memory 1K -o sepout
case_ 2 "v.y4m|2.6 x|limit is 2.0 KiB" separate v.y4m --method svd --max-memory 2K -o sepout
case_ 2 "robust PCA|80 x 3|--max-memory" separate v.y4m --max-memory 4K -o sepout
case_ 2 "--max-memory"                 separate v.y4m --max-memory '' -o sepout

# ============================================================================
# lowrank svd A.mtx (sparse input) and lowrank nmf A -k K -o OUTDIR; "newout"
# does not exist: a refused run must not leave it behind.
case_ 2 "trunc.mtx|ends after 1"       svd trunc.mtx -o outdir
case_ 2 "huge.mtx|4000000000|--max-memory" svd huge.mtx -o outdir
case_ 2 "nan.mtx|line 4|NaN"           svd nan.mtx -o newout
case_ 2 "trunc.mtx|ends after 1"       nmf trunc.mtx -k 1 -o newout
case_ 2 "huge.mtx|--max-memory"        nmf huge.mtx -k 1 -o outdir
case_ 2 "nan.mtx|line 4|NaN"           nmf nan.mtx -k 1 -o outdir
case_ 2 "neg.mtx|negative"             nmf neg.mtx -k 1 -o newout
case_ 2 "A.npy|negative"               nmf A.npy -k 1 -o newout
case_ 2 "text.npy"                     nmf text.npy -k 1 -o outdir
case_ 2 "missing.npy"                  nmf missing.npy -k 1 -o outdir
case_ 2 "-k|0"                         nmf pos.mtx -k 0 -o outdir
case_ 2 "pos.mtx|k = 9"                nmf pos.mtx -k 9 -o outdir
case_ 2 "--solver|x"                   nmf pos.mtx -k 1 --solver x -o outdir
case_ 2 "existing.png|not a folder"    nmf pos.mtx -k 1 -o existing.png
case_ 2 "pos.mtx|--max-memory"         nmf pos.mtx -k 1 --max-memory 100 -o newout

# ============================================================================
# lowrank topics CORPUS -k K -o OUTDIR
case_ 2 "bin.txt|binary"               topics bin.txt -k 2 -o newout
case_ 2 "badutf.txt|no usable document|2 invalid UTF-8" topics badutf.txt -k 2 -o newout
case_ 2 "blank.txt|no usable document|2 empty" topics blank.txt -k 2 -o outdir
case_ 2 "empty.npy|no documents"       topics empty.npy -k 2 -o newout
case_ 2 "missing.txt"                  topics missing.txt -k 2 -o outdir
case_ 2 "-k|0"                         topics docs.txt -k 0 -o outdir
case_ 2 "docs.txt|max_df|min_df"       topics docs.txt -k 2 --min-df 3 --max-df 2 -o newout
case_ 2 "--method|xyz"                 topics docs.txt -k 2 --method xyz -o outdir
case_ 2 "existing.png|not a folder"    topics docs.txt -k 2 -o existing.png

# ============================================================================
# lowrank recommend train|eval|top|similar|foldin
case_ 2 "corrupt.lrm|CRC"              recommend top corrupt.lrm --user u1
case_ 2 "trunc.lrm|truncated"          recommend top trunc.lrm --user u1
case_ 2 "text.lrm|not a lowrank model" recommend top text.lrm --user u1
case_ 2 "v2.lrm|version 2|upgrade"     recommend top v2.lrm --user u1
case_ 2 "empty.lrz|not a lowrank model" recommend top empty.lrz --user u1
case_ 2 "corrupt.lrm|CRC"              recommend similar corrupt.lrm --item a
case_ 2 "trunc.lrm|truncated"          recommend foldin trunc.lrm --ratings r.csv
case_ 2 "nobody|m.lrm"                 recommend top m.lrm --user nobody
case_ 2 "zzz|m.lrm"                    recommend similar m.lrm --item zzz
case_ 2 "--user"                       recommend top m.lrm
case_ 2 "badline.csv|line 2"           recommend train badline.csv -o new.lrm
case_ 2 "nanr.csv|line 2|nan"          recommend train nanr.csv -o new.lrm
case_ 2 "bin.csv|NUL"                  recommend train bin.csv -o new.lrm
case_ 2 "missing.csv"                  recommend train missing.csv -o new.lrm
case_ 2 "-k|300"                       recommend train r.csv -k 300 -o new.lrm
case_ 2 "outdir|folder"                recommend train r.csv -o outdir
case_ 2 "--lambda-bias"                recommend train r.csv --lambda-bias 0 -o new.lrm
case_ 2 "badline.csv|line 2"           recommend eval badline.csv
case_ 2 "badline.csv|line 2"           recommend foldin m.lrm --ratings badline.csv
case_ 2 "bogus|unknown command"        recommend bogus

# The same inputs pass with a larger limit (outputs in a folder of their own).
mkdir "$T/memok"
pass_case() {
    if "$BIN" "$@" --quiet > /dev/null 2> "$T/stderr.ok"; then ok
    else bad "lowrank $*: should pass: $(cat "$T/stderr.ok")"; fi
}
pass_case svd mid.npy -o "$T/memok/svd" --max-memory 64M
pass_case svd mid.npy -o "$T/memok/svd" --method exact --max-memory 0.5G
pass_case compress img.png -k 2 --max-memory 1M -o "$T/memok/x.lrz"
pass_case decompress x.lrz --max-memory 211 -o "$T/memok/x.png"
pass_case separate v.y4m --max-memory 75% -o "$T/memok/sep"
pass_case separate v.y4m --max-memory unlimited --method svd -o "$T/memok/sep2"

# ============================================================================
# Runtime failures: a write that fails part-way (file-size limit, as a full
# disk does) must exit 1, name the file and leave the old output untouched.
limit_case() {
    local code=$1 frags=$2 limit=$3; shift 3
    # stderr through a pipe: the file-size limit applies to every file the
    # process writes, a file holding its stderr included.
    ( trap '' XFSZ; ulimit -f "$limit"; exec "$BIN" "$@" 2>&1 > /dev/null ) | cat > "$T/stderr.limit"
    local rc=${PIPESTATUS[0]}
    if [ "$rc" -ge 128 ] || grep -qE 'Sanitizer|runtime error:' "$T/stderr.limit"; then
        bad "ulimit -f $limit lowrank $*: CRASH (exit $rc): $(cat "$T/stderr.limit")"
    elif [ "$rc" != "$code" ]; then
        bad "ulimit -f $limit lowrank $*: exit $rc, want $code: $(cat "$T/stderr.limit")"
    elif ! grep -qiF -- "$frags" "$T/stderr.limit"; then
        bad "ulimit -f $limit lowrank $*: message does not name '$frags': $(cat "$T/stderr.limit")"
    else
        ok
    fi
}
before=$(snapshot)
limit_case 1 "existing.lrz" 0 compress img.png -k 2 --bits 32 -o existing.lrz
limit_case 1 "existing.png" 0 decompress x.lrz -o existing.png
after=$(snapshot)
if [ "$before" = "$after" ]; then ok; else bad "failed writes changed the work folder: $(diff <(echo "$before") <(echo "$after") | head -n 6 | tr '\n' ' ')"; fi

# ============================================================================
# Killed mid-way: SIGKILL at spread-out moments of an svd run over an existing
# result.  Each of U.npy S.npy Vt.npy must then be either the old file or the
# complete new one (same seed, same bits: compared with a reference run), and
# nothing but hidden temporaries may be left besides them.
mkdir kill ref
m=1500 n=500
{ npy "{'descr': '<f8', 'fortran_order': True, 'shape': ($m, $n), }" 0
  head -c $((m * n * 8)) /dev/zero | tr '\0' '\100'; } > kill/A.npy
export OMP_WAIT_POLICY=PASSIVE
# The run time (microseconds): the shortest of three reference runs.
us=0 rc=0
for i in 1 2 3; do
    t0=$EPOCHREALTIME
    "$BIN" svd kill/A.npy --method exact -k $n -o ref --quiet || rc=$?
    t1=$EPOCHREALTIME
    d=$(( 10#${t1/./} - 10#${t0/./} ))
    [ $us -eq 0 ] || [ $d -lt $us ] && us=$d
done
if [ $rc -ne 0 ]; then
    bad "kill test: the reference run failed (exit $rc)"
else
    ok
    for f in U S Vt; do echo "old $f" > "kill/$f.npy"; done
    declare -A old_md5 new_md5
    for f in U S Vt; do
        old_md5[$f]=$(md5sum < "kill/$f.npy")
        new_md5[$f]=$(md5sum < "ref/$f.npy")
    done
    mixed=0 killed=0
    for i in 1 2 3 4 5 6 7 8; do
        delay=$((us * (2 * i - 1) / 16))   # spread over the run
        "$BIN" svd kill/A.npy --method exact -k $n -o kill --quiet &
        pid=$!
        sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
        kill -9 $pid 2>/dev/null && killed=$((killed + 1))
        wait $pid 2>/dev/null
        state=
        for f in U S Vt; do
            h=$(md5sum < "kill/$f.npy")
            if [ "$h" = "${old_md5[$f]}" ]; then state+="$f:old "
            elif [ "$h" = "${new_md5[$f]}" ]; then state+="$f:new "
            else state+="$f:DAMAGED "
            fi
        done
        case $state in *DAMAGED*) bad "kill test $i (after ${delay} us): $state" ;; *) ok ;; esac
        case $state in *old*new*|*new*old*) mixed=$((mixed + 1)) ;; esac
        visible=$(ls kill | tr '\n' ' ')
        if [ "$visible" = "A.npy S.npy U.npy Vt.npy " ]; then ok; else bad "kill test $i: left $visible"; fi
        for f in U S Vt; do echo "old $f" > "kill/$f.npy"; done
    done
    echo "cli_badinput: kill test: $killed of 8 runs killed (run time $((us / 1000)) ms), $mixed left a mixed old/new set"
    if [ $killed -gt 0 ]; then ok; else bad "kill test: no run was killed (all finished first)"; fi
    # SIGINT/SIGTERM (catchable) mid-way into a new folder: the cleanup
    # (cli_out_*, common.c) removes the parts written so far and the folder
    # it made, and the signal still ends the process.
    interrupted=0
    for i in 1 2 3 4; do
        sig=INT
        [ $((i % 2)) -eq 0 ] && sig=TERM
        delay=$((us * (2 * i - 1) / 8))
        "$BIN" svd kill/A.npy --method exact -k $n -o intdir --quiet &
        pid=$!
        sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
        kill -$sig $pid 2>/dev/null
        wait $pid
        rc=$?
        # (A signal after the renames finds a complete set: nothing to undo.)
        complete=no
        [ "$(ls -A intdir 2>/dev/null | tr '\n' ' ')" = "S.npy U.npy Vt.npy " ] &&
            cmp -s intdir/U.npy ref/U.npy && cmp -s intdir/Vt.npy ref/Vt.npy && complete=yes
        if [ $rc -eq 0 ] || { [ $rc -ge 128 ] && [ $complete = yes ]; }; then
            rm -rf intdir; ok   # finished first
        elif [ $rc -ge 128 ] && [ ! -e intdir ]; then
            interrupted=$((interrupted + 1)); ok
        else
            bad "SIG$sig test $i: exit $rc, left: $(ls -a intdir 2>&1 | tr '\n' ' ')"
            rm -rf intdir
        fi
    done
    echo "cli_badinput: signal test: $interrupted of 4 runs interrupted and cleaned up"
    # After all that, a normal run still works next to the leftovers.
    "$BIN" svd kill/A.npy --method exact -k $n -o kill --quiet
    check_rc=$?
    if [ $check_rc -eq 0 ] && cmp -s kill/U.npy ref/U.npy && cmp -s kill/Vt.npy ref/Vt.npy; then ok
    else bad "kill test: the run after the kills failed (exit $check_rc) or differs"; fi
fi

finish cli_badinput
