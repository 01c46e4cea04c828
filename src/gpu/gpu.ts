// The owner of one GPUDevice: labelled buffers (every one counted while alive), a pipeline cache
// keyed by kernel name + override constants, bind groups, and recording/submission of dispatches.
// Kernel wrappers build Dispatch records once (at plan time); running a plan only encodes them.
import { shaderSource } from './shaders';
import { GpuLostError, unlessLost, type LossInfo } from './device-loss';

export interface GpuTensor {
  buffer: GPUBuffer;
  shape: number[];
}

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

/** WebGPU is missing or gave no adapter: the message says what the user can do. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

export type OverrideConstants = Record<string, number>;

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage is not a global in every runtime)
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_DST = 0x1 | 0x8; // MAP_READ | COPY_DST
const MAX_GROUPS = 65535;
/** Readback staging buffers kept for reuse (the largest are kept). */
const STAGING_KEPT = 4;

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].map(String).sort(),
  };
}

export function adapterLabel(a: AdapterDescription): string {
  const parts = [a.vendor, a.architecture, a.device || a.description].filter(Boolean);
  return (parts.join(' ') || 'unknown adapter') + (a.isFallbackAdapter ? ' (fallback)' : '');
}

/** Split a flat workgroup count over x/y so no dimension exceeds the WebGPU limit. */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/** A point in the order buffers were made (Gpu.mark), to take the ones made after it. */
export type BufferMark = number;

export class Gpu {
  private pipelines = new Map<string, GPUComputePipeline>();
  private staging: GPUBuffer[] = [];
  private errors: string[] = [];
  /** Every buffer made here and not destroyed: its bytes and the serial it was made with. */
  private live = new Map<GPUBuffer, { bytes: number; serial: number }>();
  private liveTotal = 0;
  private peak = 0;
  private serial = 0;
  /** The Gpu's own buffers (readback staging, shared constants): bounded, never anyone else's. */
  private own = new Set<GPUBuffer>();
  private ownTotal = 0;
  private sharedBuffers = new Map<string, GPUBuffer>();
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

  /** Why the device was lost, or null while it works. */
  get lostReason(): LossInfo | null {
    return this.lostInfo;
  }

  static async create(gpu: GPU | undefined, where = 'this browser'): Promise<Gpu> {
    if (!gpu) {
      throw new GpuUnavailableError(
        `WebGPU is not available in ${where}. Use Chrome or Edge 113+ (desktop), or start Chromium with --enable-unsafe-webgpu; in Firefox/Safari enable WebGPU in the browser settings.`,
      );
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      throw new GpuUnavailableError(
        `WebGPU is present in ${where} but returned no adapter (GPU blocklisted or drivers missing). In Chrome open chrome://gpu; headless Chromium needs --enable-unsafe-webgpu; on Linux a Vulkan driver is required.`,
      );
    }
    const wanted: (keyof GPUSupportedLimits)[] = [
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup',
      'maxComputeWorkgroupSizeX',
      'maxComputeWorkgroupSizeY',
      'maxStorageBuffersPerShaderStage',
    ];
    const requiredLimits: Record<string, number> = {};
    for (const k of wanted) requiredLimits[k] = adapter.limits[k] as number;
    const requiredFeatures = (['shader-f16', 'timestamp-query', 'subgroups'] as GPUFeatureName[]).filter((f) =>
      adapter.features.has(f),
    );
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'quant-studio' });
    return new Gpu(device, describeAdapter(adapter));
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** The compiled pipeline of shaders/NAME.wgsl with these override constants (cached). */
  pipeline(name: string, constants: OverrideConstants = {}): GPUComputePipeline {
    const key = name + JSON.stringify(constants);
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ label: name, code: shaderSource(name) });
      p = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  buffer(label: string, bytes: number, usage = STORAGE): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    return this.counted(this.device.createBuffer({ label, size, usage }), size);
  }

  /** Bytes of the buffers made through this object and not yet destroyed (the Gpu's own included). */
  get liveBytes(): number {
    return this.liveTotal;
  }

  /** Of liveBytes, the Gpu's own: readback staging (at most STAGING_KEPT) and shared() buffers. */
  get ownBytes(): number {
    return this.ownTotal;
  }

  get liveBuffers(): number {
    return this.live.size;
  }

  /** The most liveBytes reached since the last resetPeak (or since the Gpu was made). */
  get peakBytes(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.liveTotal;
  }

  /** The current point in the order buffers are made (see madeSince). */
  mark(): BufferMark {
    return this.serial;
  }

  /**
   * The live buffers made after `mark`, but not the Gpu's own: what a synchronous builder (a plan,
   * a block program) allocated, kernels' uniform and scratch buffers included, so that its owner
   * can destroy them all.
   */
  madeSince(mark: BufferMark): GPUBuffer[] {
    const out: GPUBuffer[] = [];
    for (const [b, e] of this.live) if (e.serial > mark && !this.own.has(b)) out.push(b);
    return out;
  }

  /** One buffer per key for the life of the device (kernels' dummy bindings), counted as the Gpu's own. */
  shared(key: string, make: () => GPUBuffer): GPUBuffer {
    let b = this.sharedBuffers.get(key);
    if (!b) {
      b = make();
      this.sharedBuffers.set(key, b);
      this.adopt(b);
    }
    return b;
  }

  private adopt(b: GPUBuffer): void {
    const e = this.live.get(b);
    if (!e || this.own.has(b)) return;
    this.own.add(b);
    this.ownTotal += e.bytes;
  }

  /** Count a new buffer until its destroy() (wrapped on the instance; a second destroy counts nothing). */
  private counted(b: GPUBuffer, bytes: number): GPUBuffer {
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
    const pass = enc.beginComputePass({ label: 'run' });
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
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
    const idx = this.staging.findIndex((b) => b.size >= size);
    const staging = idx >= 0 ? this.staging.splice(idx, 1)[0] : this.buffer('readback', size, MAP_READ_DST);
    this.adopt(staging);
    const enc = this.device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(buffer, 0, staging, 0, Math.min(size, buffer.size));
    this.device.queue.submit([enc.finish()]);
    try {
      await unlessLost(staging.mapAsync(1 /* GPUMapMode.READ */, 0, size), this.lost);
    } catch (e) {
      // a lost device rejects the map before (or without) its lost promise settling: give it a moment
      if (!this.lostInfo) await Promise.race([this.lost, new Promise((r) => setTimeout(r, 200))]);
      if (this.lostInfo) throw new GpuLostError(this.lostInfo);
      throw e;
    }
    const out = new Float32Array(staging.getMappedRange(0, size).slice(0, n * 4));
    staging.unmap();
    this.staging.push(staging);
    if (this.staging.length > STAGING_KEPT) {
      this.staging.sort((a, b) => b.size - a.size);
      this.staging.pop()!.destroy();
    }
    this.throwErrors();
    return out;
  }

  destroy(): void {
    this.disposed = true;
    for (const b of this.staging) b.destroy();
    this.device.destroy();
  }
}
