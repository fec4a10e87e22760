#!/usr/bin/env bash
# bench/make_corpus.sh OUTDIR -- the Debian package corpus for the topics and
# NMF benchmarks, from this machine's apt cache (`apt-cache dumpavail`):
#   OUTDIR/debian-docs.txt     one document per line: the package's description
#   OUTDIR/debian-labels.txt   the package's Section, same line order
#   OUTDIR/debian-names.txt    the package name, same line order
# Packages without a description or section are left out.  Nothing is
# downloaded; the cache must have been filled by apt-get update.
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -ne 1 ] && exit 2 || exit 0
fi
out=$1
mkdir -p "$out"
tmp=$(mktemp -d "$out/.corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
apt-cache dumpavail | awk -v D="$tmp/docs" -v L="$tmp/labels" -v N="$tmp/names" '
    function flush() {
        if (pkg != "" && desc != "" && sec != "") {
            sub(/^[^\/]*\//, "", sec)          # "non-free/games" -> "games"
            print desc > D; print sec > L; print pkg > N
        }
        pkg = desc = sec = ""
    }
    /^$/            { flush(); next }
    /^Package: /    { pkg = substr($0, 10); next }
    /^Description: /{ desc = substr($0, 14); next }
    /^Section: /    { sec = substr($0, 10); next }
    END             { flush() }'
[ -s "$tmp/docs" ] || { echo "bench/make_corpus.sh: apt-cache dumpavail gave no packages (run apt-get update)" >&2; exit 1; }
mv "$tmp/docs" "$out/debian-docs.txt"
mv "$tmp/labels" "$out/debian-labels.txt"
mv "$tmp/names" "$out/debian-names.txt"
echo "$(wc -l <"$out/debian-docs.txt") documents in $out/debian-docs.txt" >&2
