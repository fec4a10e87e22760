#!/usr/bin/env bash
# Installs the Debian packages lowrank needs that are missing, and nothing else.
#   scripts/deps.sh build   compiler, CMake and the libraries (default)
#   scripts/deps.sh bench   + the peers the benchmarks compare against
# Uses sudo when not root.  Nothing is downloaded except Debian packages.
set -euo pipefail
what=${1:-build}

build_pkgs=(build-essential cmake pkg-config libopenmpi-dev openmpi-bin
  libopenblas-openmp-dev liblapacke-dev librandom123-dev
  libpng-dev libjpeg62-turbo-dev libzstd-dev libcjson-dev
  libcairo2-dev fonts-dejavu-core
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  clang libclang-rt-14-dev libomp-dev llvm)
bench_pkgs=(python3 python3-numpy python3-scipy python3-sklearn python3-opencv
  python3-skimage
  r-base-core r-cran-lme4)   # rec: the InstEval ratings (bench/instEval.R)

pkgs=("${build_pkgs[@]}")
[ "$what" = bench ] && pkgs+=("${bench_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "lowrank: installing missing Debian packages: ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "lowrank: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent or stale on a fresh machine: update, then install.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
