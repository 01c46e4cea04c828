// Conv throughput benchmark: GFLOP/s of shaders/conv2d.wgsl variants on ResNet-20 (CIFAR, batch 32)
// and ResNet-18 (ImageNet 224, batch 1) conv shapes; GPU timestamps when available, else wall clock.
import type { Dispatch, Gpu } from '../src/gpu/gpu';
import { conv2d, convOutputShape, type ConvParams, type ConvVariant } from '../src/gpu/kernels/conv2d';

export interface ConvShape {
  name: string;
  /** [N, C, H, W] */
  x: number[];
  /** [M, C/group, kH, kW] */
  w: number[];
  strides: [number, number];
  pads: [number, number, number, number];
  group?: number;
}

export interface ConvTiming {
  name: string;
  shape: string;
  variant: ConvVariant;
  gflops: number;
  ms: number;
  timer: 'timestamp' | 'wall';
}

function conv(name: string, N: number, C: number, M: number, hw: number, k: number, s: number, group = 1): ConvShape {
  const p = Math.floor(k / 2);
  return { name, x: [N, C, hw, hw], w: [M, C / group, k, k], strides: [s, s], pads: [p, p, p, p], group };
}

/** ResNet-20 for CIFAR-10 (32x32), batch 32; downsample shortcuts as 1x1 stride-2 convs. */
export const RESNET20_SHAPES: ConvShape[] = [
  conv('r20 stem 3->16', 32, 3, 16, 32, 3, 1),
  conv('r20 16->16 @32', 32, 16, 16, 32, 3, 1),
  conv('r20 16->32 s2', 32, 16, 32, 32, 3, 2),
  conv('r20 1x1 16->32 s2', 32, 16, 32, 32, 1, 2),
  conv('r20 32->32 @16', 32, 32, 32, 16, 3, 1),
  conv('r20 32->64 s2', 32, 32, 64, 16, 3, 2),
  conv('r20 1x1 32->64 s2', 32, 32, 64, 16, 1, 2),
  conv('r20 64->64 @8', 32, 64, 64, 8, 3, 1),
];

/** ResNet-18 for ImageNet (224x224), batch 1. */
export const RESNET18_SHAPES: ConvShape[] = [
  conv('r18 stem 7x7 s2 3->64', 1, 3, 64, 224, 7, 2),
  conv('r18 64->64 @56', 1, 64, 64, 56, 3, 1),
  conv('r18 64->128 s2', 1, 64, 128, 56, 3, 2),
  conv('r18 1x1 64->128 s2', 1, 64, 128, 56, 1, 2),
  conv('r18 128->128 @28', 1, 128, 128, 28, 3, 1),
  conv('r18 128->256 s2', 1, 128, 256, 28, 3, 2),
  conv('r18 1x1 128->256 s2', 1, 128, 256, 28, 1, 2),
  conv('r18 256->256 @14', 1, 256, 256, 14, 3, 1),
  conv('r18 256->512 s2', 1, 256, 512, 14, 3, 2),
  conv('r18 1x1 256->512 s2', 1, 256, 512, 14, 1, 2),
  conv('r18 512->512 @7', 1, 512, 512, 7, 3, 1),
];

/** A MobileNet-style depthwise conv, to time the depthwise variant. */
export const DEPTHWISE_SHAPES: ConvShape[] = [conv('dw 3x3 96ch @56', 1, 96, 96, 56, 3, 1, 96)];

export function convFlops(s: ConvShape): number {
  const p = { strides: s.strides, pads: s.pads, dilations: [1, 1] as [number, number] };
  const [N, M, oH, oW] = convOutputShape(s.x, s.w, p);
  return 2 * N * M * oH * oW * s.w[1] * s.w[2] * s.w[3];
}

function shapeText(s: ConvShape): string {
  return `x[${s.x}] w[${s.w}] s${s.strides[0]}${s.group && s.group > 1 ? ` g${s.group}` : ''}`;
}

/** Seconds per run of `d`, averaged over `iters` runs recorded in one pass. */
async function timeDispatch(gpu: Gpu, d: Dispatch, iters: number): Promise<{ s: number; timer: 'timestamp' | 'wall' }> {
  const dev = gpu.device;
  await gpu.run([d]); // warm-up: pipeline compile, first touch of buffers
  if (dev.features.has('timestamp-query')) {
    const qs = dev.createQuerySet({ label: 'bench.timestamps', type: 'timestamp', count: 2 });
    const resolve = gpu.buffer('bench.resolve', 16, 0x200 | 0x4); // QUERY_RESOLVE | COPY_SRC
    const enc = dev.createCommandEncoder({ label: 'bench' });
    const pass = enc.beginComputePass({ label: 'bench', timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    for (let i = 0; i < iters; i++) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    enc.resolveQuerySet(qs, 0, 2, resolve, 0);
    dev.queue.submit([enc.finish()]);
    const t = new BigInt64Array((await gpu.read(resolve, 4)).buffer);
    qs.destroy();
    resolve.destroy();
    const s = Number(t[1] - t[0]) / 1e9 / iters;
    if (s > 0) return { s, timer: 'timestamp' };
  }
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) gpu.encode([d]);
  await dev.queue.onSubmittedWorkDone();
  gpu.throwErrors();
  return { s: (performance.now() - t0) / 1e3 / iters, timer: 'wall' };
}

/** GFLOP/s and ms per run of each shape under each variant (random data, fresh buffers per shape). */
export async function convGflops(
  gpu: Gpu,
  shapes: ConvShape[],
  iters: number,
  variants: ConvVariant[] = ['naive', 'auto'],
): Promise<ConvTiming[]> {
  const out: ConvTiming[] = [];
  for (const s of shapes) {
    const p: ConvParams = { strides: s.strides, pads: s.pads, dilations: [1, 1], group: s.group ?? 1, activation: { kind: 'relu' } };
    const yShape = convOutputShape(s.x, s.w, p);
    const fill = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
    const x = gpu.tensor('bench.x', s.x, fill(s.x.reduce((a, b) => a * b, 1)));
    const w = gpu.tensor('bench.w', s.w, fill(s.w.reduce((a, b) => a * b, 1)));
    const b = gpu.tensor('bench.bias', [s.w[0]], fill(s.w[0]));
    const y = gpu.tensor('bench.y', yShape);
    for (const variant of variants) {
      const d = conv2d(gpu, x, w, b, y, { ...p, variant });
      const { s: sec, timer } = await timeDispatch(gpu, d, iters);
      out.push({ name: s.name, shape: shapeText(s), variant, gflops: convFlops(s) / sec / 1e9, ms: sec * 1e3, timer });
    }
    for (const t of [x, w, b, y]) t.buffer.destroy();
  }
  return out;
}

/** A fixed-width text table of timings, one row per shape and variant. */
export function formatTable(rows: ConvTiming[]): string {
  const head = ['conv', 'shape', 'variant', 'GFLOP/s', 'ms', 'timer'];
  const cells = rows.map((r) => [r.name, r.shape, r.variant, r.gflops.toFixed(2), r.ms.toFixed(2), r.timer]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i >= 3 && i <= 4 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  return [line(head), line(widths.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}
