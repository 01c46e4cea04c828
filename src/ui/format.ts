// Small display formatters: parameter counts, byte sizes, tensor shapes, durations, percentages.

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e5) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatShape(shape: (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** A weight shape in the compact form of layer tables: 16×3×3×3. */
export function formatDims(shape: number[]): string {
  return shape.join('×');
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatPercent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)} %`;
}

/** Estimated time left from the elapsed time and the fraction done. */
export function eta(elapsedMs: number, done: number, total: number): number {
  if (done <= 0 || total <= done) return done >= total ? 0 : NaN;
  return (elapsedMs / done) * (total - done);
}

export function formatNumberList(xs: number[]): string {
  return xs.map((x) => String(Number(x.toFixed(4)))).join(', ');
}
