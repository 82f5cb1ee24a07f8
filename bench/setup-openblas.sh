#!/usr/bin/env bash
# Debian's torch links reference BLAS (~30x slower than OpenBLAS for GEMM). For a fair PyTorch
# baseline we unpack OpenBLAS locally and point LD_LIBRARY_PATH at it, leaving the system as it is.
set -euo pipefail
dest="$(dirname "$0")/out/openblas"
[ -f "$dest/.done" ] && exit 0
mkdir -p "$dest" && cd "$dest"
apt-get download libopenblas0-pthread >/dev/null 2>&1 || { apt-get update -qq && apt-get download libopenblas0-pthread; }
dpkg -x libopenblas0-pthread_*.deb root
touch .done
