// Readback staging buffers (MAP_READ | COPY_DST) kept for reuse between reads: at most KEPT of them,
// the largest; a buffer is out of the pool while its read is in flight.

/** Staging buffers kept for reuse (the largest are kept). */
export const STAGING_KEPT = 4;

export class StagingPool {
  private free: GPUBuffer[] = [];

  /** `make` creates a staging buffer of `size` bytes when none kept is large enough. */
  constructor(private readonly make: (size: number) => GPUBuffer) {}

  /** A staging buffer of at least `size` bytes, out of the pool until give() or its destroy(). */
  take(size: number): GPUBuffer {
    const idx = this.free.findIndex((b) => b.size >= size);
    return idx >= 0 ? this.free.splice(idx, 1)[0] : this.make(size);
  }

  /** Back into the pool after its read; the smallest goes when more than STAGING_KEPT are kept. */
  give(b: GPUBuffer): void {
    this.free.push(b);
    if (this.free.length > STAGING_KEPT) {
      this.free.sort((a, c) => c.size - a.size);
      this.free.pop()!.destroy();
    }
  }

  destroy(): void {
    for (const b of this.free) b.destroy();
    this.free = [];
  }
}
