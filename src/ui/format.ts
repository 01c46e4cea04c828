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

/** A value in 3 significant digits, scientific when tiny or huge: 0.0123 → 0.0123, 1.2e-5 → 1.20e-5. */
export function formatSig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

export function formatRange(min: number, max: number): string {
  return `[${formatSig(min)}, ${formatSig(max)}]`;
}

export const formatScale = formatSig;

/** SQNR in dB, "∞ dB" when the quantizer is exact. */
export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dB` : db > 0 ? '∞ dB' : '−∞ dB';
}

/** A colour class for an SQNR: under 10 dB bad, under 20 dB weak. */
export function sqnrClass(db: number): string {
  return db < 10 ? 'bad' : db < 20 ? 'warn' : 'good';
}
