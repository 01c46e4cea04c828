// Issue 10's yardstick: the official QDrop code's ResNet-20 top-1 (PyTorch on CPU, seed 1005, 1024
// calibration images, 1000 test images, batch 32) and our targets, by config, method and iterations.
export interface Yardstick {
  /** The official code's top-1 %, or null where it has no figure. */
  official: number | null;
  /** Our target %: the mean over the seeds run must reach it (null: no target). */
  target: number | null;
  /** How the target reads, when it is not a floor (nearest: within 1.5 points of the official figure). */
  note?: string;
}

const Y: Record<string, Yardstick> = {
  'W4A4 nearest 0': { official: 89.9, target: null, note: 'within 1.5 pp' },
  'W3A3 nearest 0': { official: 77.8, target: null, note: 'within 1.5 pp' },
  'W2A4 nearest 0': { official: 16.9, target: null, note: 'within 1.5 pp' },
  'W2A4 qdrop 500': { official: 80.8, target: 80.0 },
  'W2A4 qdrop 1000': { official: 86.9, target: 86.0 },
  'W2A4 qdrop 2000': { official: 89.9, target: 89.0 },
  'W2A4 brecq 500': { official: 83.0, target: 82.0 },
  'W2A4 brecq 2000': { official: 89.3, target: 88.5 },
  'W2A4 adaround 500': { official: null, target: null, note: 'below BRECQ' },
  'W4A4 qdrop 100': { official: 90.1, target: null },
  'W4A4 qdrop 300': { official: 90.6, target: null },
  'W4A4 qdrop 2000': { official: 91.2, target: 90.5 },
  'W3A3 qdrop 2000': { official: 89.6, target: null },
  'W3A3 brecq 2000': { official: 88.5, target: null },
};

/** The yardstick of one row (nearest rows have 0 iterations whatever the run's schedule). */
export function yardstick(config: string, method: string, iters: number): Yardstick | undefined {
  return Y[`${config} ${method} ${method === 'nearest' ? 0 : iters}`];
}
