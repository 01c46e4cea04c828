// The owner of one GPUDevice: labelled buffers (every one counted while alive, buffer-ledger.ts), a
// pipeline cache keyed by kernel name + override constants, bind groups, recording/submission of
// dispatches and readback. Kernel wrappers build Dispatch records once (at plan time); running a
// plan only encodes them. destroy() releases the device and everything made on it.
import { GpuLostError, unlessLost, type LossInfo } from './device-loss';
import { requestDevice, type AdapterDescription } from './adapter';
import { BufferLedger, type BufferMark } from './buffer-ledger';
import { PipelineCache, type OverrideConstants } from './pipeline-cache';
import { recordPass, type Dispatch, type GpuTensor } from './dispatch';
import { StagingPool } from './staging';

export { adapterLabel, describeAdapter, GpuUnavailableError, type AdapterDescription } from './adapter';
export { grid, type Dispatch, type GpuTensor } from './dispatch';
export type { BufferMark } from './buffer-ledger';
export type { OverrideConstants } from './pipeline-cache';

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage is not a global in every runtime)
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_DST = 0x1 | 0x8; // MAP_READ | COPY_DST

export class Gpu {
  private readonly ledger = new BufferLedger();
  private readonly pipelines: PipelineCache;
  private readonly staging = new StagingPool((size) => this.buffer('readback', size, MAP_READ_DST));
  private sharedBuffers = new Map<string, GPUBuffer>();
  private errors: string[] = [];
  readonly hasF16: boolean;
  /** Set once the device is lost (not by our own destroy()); every later wait or read throws GpuLostError. */
  private lostInfo: LossInfo | null = null;
  private disposed = false;
  /** An allocation the GPU could not make since the last throwErrors (later results would read unwritten memory). */
  private oom: string | null = null;
  /** Resolves when the device is lost (never after our own destroy()). */
  readonly lost: Promise<LossInfo>;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
  ) {
    this.hasF16 = device.features.has('shader-f16');
    this.pipelines = new PipelineCache(device);
    device.addEventListener('uncapturederror', (ev) => {
      const error = (ev as GPUUncapturedErrorEvent).error;
      // an allocation the GPU could not make: later results would read unwritten memory
      if (error.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(error.message)) this.oom ??= error.message;
      else this.errors.push(error.message);
    });
    this.lost = device.lost.then(
      (info) =>
        new Promise<LossInfo>((resolve) => {
          if (this.disposed) return; // our own destroy(): not a loss, never resolves
          this.lostInfo ??= { reason: info.reason ?? 'unknown', message: info.message ?? '' };
          resolve(this.lostInfo);
        }),
    );
  }

  static async create(gpu: GPU | undefined, where = 'this browser'): Promise<Gpu> {
    const { device, adapter } = await requestDevice(gpu, where);
    return new Gpu(device, adapter);
  }

  /** Why the device was lost, or null while it works. */
  get lostReason(): LossInfo | null {
    return this.lostInfo;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** The compiled pipeline of shaders/NAME.wgsl with these override constants (cached). */
  pipeline(name: string, constants: OverrideConstants = {}): GPUComputePipeline {
    return this.pipelines.get(name, constants);
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  // --- buffers and their count ----------------------------------------------------------------

  buffer(label: string, bytes: number, usage = STORAGE): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    return this.ledger.count(this.device.createBuffer({ label, size, usage }), size);
  }

  /** Bytes of the buffers made through this object and not yet destroyed (the Gpu's own included). */
  get liveBytes(): number {
    return this.ledger.liveBytes;
  }

  /** Of liveBytes, the Gpu's own: readback staging (at most STAGING_KEPT) and shared() buffers. */
  get ownBytes(): number {
    return this.ledger.ownBytes;
  }

  get liveBuffers(): number {
    return this.ledger.liveBuffers;
  }

  /** The most liveBytes reached since the last resetPeak (or since the Gpu was made). */
  get peakBytes(): number {
    return this.ledger.peakBytes;
  }

  resetPeak(): void {
    this.ledger.resetPeak();
  }

  /** The current point in the order buffers are made (see madeSince). */
  mark(): BufferMark {
    return this.ledger.mark();
  }

  /**
   * The live buffers made after `mark`, but not the Gpu's own: what a synchronous builder (a plan,
   * a block program) allocated, kernels' uniform and scratch buffers included, so that its owner
   * can destroy them all.
   */
  madeSince(mark: BufferMark): GPUBuffer[] {
    return this.ledger.madeSince(mark);
  }

  /** One buffer per key for the life of the device (kernels' dummy bindings), counted as the Gpu's own. */
  shared(key: string, make: () => GPUBuffer): GPUBuffer {
    let b = this.sharedBuffers.get(key);
    if (!b) {
      b = make();
      this.sharedBuffers.set(key, b);
      this.ledger.adopt(b);
    }
    return b;
  }

  /** A float32 tensor on the GPU, optionally filled from data (copied through the queue). */
  tensor(label: string, shape: number[], data?: ArrayBufferView): GpuTensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const buffer = this.buffer(label, n * 4);
    if (data) this.write(buffer, data);
    return { buffer, shape: [...shape] };
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    const bytes = data.byteLength - (data.byteLength % 4);
    if (bytes === 0) return;
    // Dawn in Node rejects views over SharedArrayBuffer; copy those.
    const view =
      typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer
        ? new Uint8Array(new Uint8Array(data.buffer, data.byteOffset, bytes))
        : new Uint8Array(data.buffer, data.byteOffset, bytes);
    this.device.queue.writeBuffer(buffer, byteOffset, view as Uint8Array<ArrayBuffer>);
  }

  /** A uniform buffer holding these 32-bit words; ints and floats are told apart by `floats`. */
  uniform(label: string, ints: ArrayLike<number>, floats: ArrayLike<number> = []): GPUBuffer {
    const words = new ArrayBuffer(Math.max(16, Math.ceil((ints.length + floats.length) * 4 / 16) * 16));
    const i32 = new Int32Array(words);
    const f32 = new Float32Array(words);
    for (let k = 0; k < ints.length; k++) i32[k] = ints[k];
    for (let k = 0; k < floats.length; k++) f32[ints.length + k] = floats[k];
    const buf = this.buffer(`${label}.uniforms`, words.byteLength, UNIFORM);
    this.device.queue.writeBuffer(buf, 0, words);
    return buf;
  }

  // --- dispatches -----------------------------------------------------------------------------

  /** A Dispatch of shaders/NAME.wgsl with buffers bound at @binding(0..n-1) of group 0. */
  dispatch(
    name: string,
    buffers: GPUBuffer[],
    workgroups: [number, number, number],
    constants: OverrideConstants = {},
    label = name,
  ): Dispatch {
    const pipeline = this.pipeline(name, constants);
    const bindGroup = this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    return { label, pipeline, bindGroup, workgroups };
  }

  /** Record dispatches into one compute pass on the encoder (or a new one, submitted here). */
  encode(dispatches: Dispatch[], encoder?: GPUCommandEncoder): void {
    const enc = encoder ?? this.device.createCommandEncoder({ label: 'run' });
    recordPass(enc, dispatches);
    if (!encoder) this.device.queue.submit([enc.finish()]);
  }

  /** Run dispatches and wait for the queue; throws with the GPU's own message on validation errors. */
  async run(dispatches: Dispatch[]): Promise<void> {
    this.encode(dispatches);
    await unlessLost(this.device.queue.onSubmittedWorkDone(), this.lost);
    this.throwErrors();
  }

  throwErrors(): void {
    const oom = this.oom;
    this.oom = null;
    if (this.lostInfo || oom !== null) {
      this.errors = [];
      throw new GpuLostError(this.lostInfo ?? { reason: 'out-of-memory', message: oom! });
    }
    if (this.errors.length) {
      const msg = this.errors.join('\n');
      this.errors = [];
      throw new Error(`GPU error: ${msg}`);
    }
  }

  /** Copy a buffer back to the CPU as float32. */
  async read(src: GPUBuffer | GpuTensor, count?: number): Promise<Float32Array> {
    const buffer = 'buffer' in src ? src.buffer : src;
    const n = count ?? ('shape' in src ? src.shape.reduce((a, b) => a * b, 1) : buffer.size / 4);
    const bytes = Math.max(4, n * 4);
    const size = Math.ceil(bytes / 16) * 16;
    const staging = this.staging.take(size);
    this.ledger.adopt(staging);
    const enc = this.device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(buffer, 0, staging, 0, Math.min(size, buffer.size));
    this.device.queue.submit([enc.finish()]);
    try {
      await unlessLost(staging.mapAsync(1 /* GPUMapMode.READ */, 0, size), this.lost);
    } catch (e) {
      staging.destroy(); // a failed map leaves it unusable: not back into the pool, not counted
      // a lost device rejects the map before (or without) its lost promise settling: give it a moment
      if (!this.lostInfo) await Promise.race([this.lost, new Promise((r) => setTimeout(r, 200))]);
      if (this.lostInfo) throw new GpuLostError(this.lostInfo);
      throw e;
    }
    const out = new Float32Array(staging.getMappedRange(0, size).slice(0, n * 4));
    staging.unmap();
    this.staging.give(staging);
    this.throwErrors();
    return out;
  }

  /**
   * Release the device and everything made on it: every buffer still live (the counts return to 0),
   * staging, shared buffers and pipelines, so that a Gpu kept referenced after a device loss holds
   * no GPU objects.
   */
  destroy(): void {
    this.disposed = true;
    this.staging.destroy();
    this.ledger.destroyAll();
    this.sharedBuffers.clear();
    this.pipelines.clear();
    this.device.destroy();
  }
}
