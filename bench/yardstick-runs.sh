#!/bin/bash
# Issue 10's yardstick runs (ResNet-20, 1024 calibration images, batch 32), one after another,
# each resumable through bench/checkpoints: rerun this script to continue where it stopped.
# A finished row is in bench/results.json under `reconstruction`; its checkpoint can then go.
set -u
cd "$(dirname "$0")/.."
R="npx tsx bench/recon.ts --calib 1024 --checkpoint bench/checkpoints"
mkdir -p bench/out
run() { echo "== $*"; $R "$@" 2>&1 | tee -a bench/out/yardstick-runs.log; }
# done 2026-12-03 (79.80 %): run --configs W2A4 --methods qdrop --iters 500 --seeds 1005
# done 2026-12-03 (82.30 %): run --configs W2A4 --methods brecq --iters 500 --seeds 1005
for s in 1006 1007; do
  run --configs W2A4 --methods qdrop --iters 500 --seeds $s
  run --configs W2A4 --methods brecq --iters 500 --seeds $s
done
run --configs W2A4 --methods qdrop --iters 1000 --seeds 1005
run --configs W2A4 --methods adaround --iters 500 --seeds 1005
run --configs W2A4 --methods brecq --iters 2000 --seeds 1005
run --configs W4A4 --methods qdrop --iters 2000 --seeds 1005
