// The count of a device's live GPU buffers: every buffer from its creation to its first destroy()
// (wrapped on the instance), their bytes and the peak, the order they were made in (mark/madeSince,
// so a synchronous builder can free all it made) and the owner's own bounded set (staging, shared).

/** A point in the order buffers were made (BufferLedger.mark), to take the ones made after it. */
export type BufferMark = number;

export class BufferLedger {
  /** Every counted buffer not destroyed: its bytes and the serial it was made with. */
  private live = new Map<GPUBuffer, { bytes: number; serial: number }>();
  private liveTotal = 0;
  private peak = 0;
  private serial = 0;
  /** The owner's own buffers (readback staging, shared constants): bounded, never anyone else's. */
  private own = new Set<GPUBuffer>();
  private ownTotal = 0;

  /** Count a new buffer until its destroy() (a second destroy counts nothing). */
  count(b: GPUBuffer, bytes: number): GPUBuffer {
    this.live.set(b, { bytes, serial: ++this.serial });
    this.liveTotal += bytes;
    this.peak = Math.max(this.peak, this.liveTotal);
    const destroy = b.destroy.bind(b);
    b.destroy = () => {
      const e = this.live.get(b);
      if (e) {
        this.live.delete(b);
        this.liveTotal -= e.bytes;
        if (this.own.delete(b)) this.ownTotal -= e.bytes;
      }
      destroy();
    };
    return b;
  }

  /** Count a live buffer as the owner's own (from now until its destroy). */
  adopt(b: GPUBuffer): void {
    const e = this.live.get(b);
    if (!e || this.own.has(b)) return;
    this.own.add(b);
    this.ownTotal += e.bytes;
  }

  get liveBytes(): number {
    return this.liveTotal;
  }

  get ownBytes(): number {
    return this.ownTotal;
  }

  get liveBuffers(): number {
    return this.live.size;
  }

  get peakBytes(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.liveTotal;
  }

  mark(): BufferMark {
    return this.serial;
  }

  /** The live buffers made after `mark`, the owner's own left out. */
  madeSince(mark: BufferMark): GPUBuffer[] {
    const out: GPUBuffer[] = [];
    for (const [b, e] of this.live) if (e.serial > mark && !this.own.has(b)) out.push(b);
    return out;
  }

  /** Destroy every live buffer (the device is going away): the counts return to zero. */
  destroyAll(): void {
    for (const b of [...this.live.keys()]) b.destroy();
  }
}
