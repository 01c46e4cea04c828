#!/bin/bash
# Issue 10's yardstick runs (ResNet-20, 1024 calibration images, batch 32), one after another,
# each resumable through bench/checkpoints: rerun this script to continue where it stopped.
# A row already in bench/results.json (`reconstruction`, same config, method, iterations, seed and
# 1024 calibration images) is skipped; a finished row's checkpoint can then leave the repo.
set -u
cd "$(dirname "$0")/.."
mkdir -p bench/out
# done CONFIG METHOD ITERS SEED: exit 0 when results.json holds that row.
done_row() {
  node -e '
    const [c, m, i, s] = process.argv.slice(1);
    const runs = require("./bench/results.json").reconstruction;
    process.exit(runs.some((r) => r.calibImages === 1024 && r.itersPerBlock === +i && r.rows.some((x) => x.config === c && x.method === m && x.seed === +s)) ? 0 : 1);
  ' "$@"
}
run() { # CONFIG METHOD ITERS SEED
  if done_row "$@"; then echo "== $* (in results.json)"; return; fi
  echo "== $*"
  npx tsx bench/recon.ts --calib 1024 --checkpoint bench/checkpoints --configs "$1" --methods "$2" --iters "$3" --seeds "$4" 2>&1 | tee -a bench/out/yardstick-runs.log
}
run W2A4 qdrop 500 1005
run W2A4 brecq 500 1005
for s in 1006 1007; do
  run W2A4 qdrop 500 $s
  run W2A4 brecq 500 $s
done
run W2A4 qdrop 1000 1005
run W2A4 adaround 500 1005
run W2A4 brecq 2000 1005
run W4A4 qdrop 2000 1005
