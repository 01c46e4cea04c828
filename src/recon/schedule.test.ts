// The per-iteration schedules of reconstruction (DESIGN.md §5: β 20 → 2 after a 20 % warm-up,
// cosine decay of the step-size learning rate) and the optional early stop.
import { describe, expect, it } from 'vitest';
import { EARLY_STOP, RECON_DEFAULTS, betaAt, earlyStopAt, lrSAt, methodDefaults } from './reconstruct';

describe('schedules', () => {
  const c = { ...RECON_DEFAULTS, iters: 1000 };
  it('β is 20 through the warm-up, then falls linearly to 2', () => {
    expect(betaAt(0, c)).toBe(20);
    expect(betaAt(199, c)).toBe(20);
    expect(betaAt(200, c)).toBe(20);
    expect(betaAt(600, c)).toBeCloseTo(11, 12);
    expect(betaAt(1000, c)).toBe(2);
    for (let t = 201; t < 1000; t++) expect(betaAt(t, c)).toBeLessThan(betaAt(t - 1, c));
  });
  it('the step-size learning rate decays from 4e-5 to 0 along a half cosine', () => {
    expect(lrSAt(0, c)).toBe(4e-5);
    expect(lrSAt(500, c)).toBeCloseTo(2e-5, 15);
    expect(lrSAt(1000, c)).toBeCloseTo(0, 15);
  });
  it('method defaults of the drop switches', () => {
    expect(methodDefaults('qdrop')).toEqual({ drop: 0.5, inputDrop: 0.5 });
    expect(methodDefaults('brecq')).toEqual({ drop: 1, inputDrop: 1 });
    expect(methodDefaults('adaround')).toEqual({ drop: 1, inputDrop: 1 });
  });
});

describe('early stop', () => {
  const c = { iters: 2000, warmup: 0.2, lambda: 0.01 };
  const n = 1000;
  const k = EARLY_STOP.windows;
  const flat = Array.from({ length: 2 * k }, () => 1.0);
  const decided = 0.001 * c.lambda * n; // 0.1 % undecided
  const undecided = 0.2 * c.lambda * n;
  it('stops when the rounding is decided and the loss is flat', () => {
    expect(earlyStopAt(flat, decided, 1000, n, c)).toBe(true);
    // a slight rise (sampling noise) is flat too
    expect(earlyStopAt([...flat.slice(0, k), ...flat.slice(k).map((v) => v * 1.01)], decided, 1000, n, c)).toBe(true);
  });
  it('never while the rounding is undecided, however flat the loss', () => {
    expect(earlyStopAt(flat, undecided, 1000, n, c)).toBe(false);
    expect(earlyStopAt(flat, EARLY_STOP.undecided * c.lambda * n, 1000, n, c)).toBe(false);
  });
  it('never during the warm-up, with too few windows, or without a regulariser', () => {
    expect(earlyStopAt(flat, 0, 400, n, c)).toBe(false);
    expect(earlyStopAt(flat.slice(1), decided, 1000, n, c)).toBe(false);
    expect(earlyStopAt(flat, 0, 1000, n, { ...c, lambda: 0 })).toBe(false);
    expect(earlyStopAt(flat, 0, 1000, 0, c)).toBe(false);
  });
  it('not while the loss still falls by more than the tolerance', () => {
    const falling = Array.from({ length: 2 * k }, (_, i) => 1 - 0.01 * i);
    expect(earlyStopAt(falling, decided, 1000, n, c)).toBe(false);
    const slow = Array.from({ length: 2 * k }, (_, i) => 1 - (EARLY_STOP.flat / (2 * k)) * i);
    expect(earlyStopAt(slow, decided, 1000, n, c)).toBe(true);
  });
});
