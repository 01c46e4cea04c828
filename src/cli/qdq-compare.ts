// The studio's fake-quant against onnxruntime on its exported QDQ model, quantizer by quantizer:
// the same images through both, the integer codes of every activation quantizer and the top-1.
import type { ImageSet } from '../data/image-set-node';
import { StudioError } from '../engine/errors';
import { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { accumulate, dequantizeCodes, emptyDiff, exposeCodes, fedGraph, type CodeDiff, type Probe } from '../quant/qdq-probe';
import type { QuantState } from '../quant/types';
import type { PtqModel } from './ptq';
import { argmax, feedOf } from './top1';

/** onnxruntime graph optimization level ('all' is its default, what a user of the file gets). */
export type OrtLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface QdqComparison {
  /** Per activation quantizer, in the file's topological order: each side runs the whole network. */
  diffs: CodeDiff[];
  /** The same, with the studio fed onnxruntime's codes at every quantizer upstream: each quantizer's own differences. */
  local: CodeDiff[];
  /** The first quantizer (topological order) whose codes differ end to end; null when all agree. */
  firstDiffer: string | null;
  images: number;
  /** Images on which the studio's and onnxruntime's arg-max agree. */
  agree: number;
  studioCorrect: number;
  onnxCorrect: number;
  labeled: number;
  /** Largest |logit difference| of onnxruntime with the codes exposed and without (0: exposing changes nothing). */
  probeEffect: number;
  /** Largest |studio logit − onnxruntime logit|. */
  maxLogitDiff: number;
}

export interface CompareOptions {
  batch: number;
  level?: OrtLevel;
  onProgress?: (done: number, total: number) => void;
}

type Codes = Uint8Array | Int8Array;
const fq = (p: Probe) => `${p.act.tensor}::fq`;

/** Run `set` through the studio's quantized graph (state set on m.session) and onnxruntime on `exported`. */
export async function compareQdq(m: PtqModel, state: QuantState, exported: Uint8Array, set: ImageSet, opts: CompareOptions): Promise<QdqComparison> {
  const ort = await import('onnxruntime-node').catch(() => {
    throw new StudioError('bad-input', 'onnxruntime-node is not installed (npm install onnxruntime-node)');
  });
  const quantGraph = m.session.quantGraph;
  if (!quantGraph) throw new StudioError('bad-input', 'calibrate first: the session has no fake-quant graph');
  const { bytes, probes } = exposeCodes(exported, state);
  const options = { logSeverityLevel: 3 as const, graphOptimizationLevel: opts.level ?? 'all' };
  const probed = await ort.InferenceSession.create(bytes, options);
  const plain = await ort.InferenceSession.create(exported, options);
  // a second session of the same model runs the fake-quant graph with every quantizer's output fed
  const fed = await Session.fromModel(m.session.gpu, m.session.model, m.session.fileName);
  fed.setQuant(fedGraph(quantGraph));
  const r: QdqComparison = { diffs: probes.map((p) => emptyDiff(p.act)), local: probes.map((p) => emptyDiff(p.act)), firstDiffer: null, images: 0, agree: 0, studioCorrect: 0, onnxCorrect: 0, labeled: 0, probeEffect: 0, maxLogitDiff: 0 };
  const names = [...probes.flatMap((p) => [p.act.tensor, fq(p)]), m.output];
  try {
    for (const b of set.batches(m.fixedBatch ?? opts.batch)) {
      const feed = feedOf(b, m.fixedBatch);
      const n = b.names.length;
      const studio = await m.session.inspect({ [m.input]: feed }, names, { quant: true });
      const input = { [probed.inputNames[0]]: new ort.Tensor('float32', feed.data, feed.shape) };
      const theirs = await probed.run(input);
      const reference = (await plain.run(input))[m.output].data as Float32Array;
      const logits = theirs[m.output].data as Float32Array;
      const mine = studio.get(m.output)!.data;
      const k = mine.length / feed.shape[0];
      for (let i = 0; i < n * k; i++) {
        r.probeEffect = Math.max(r.probeEffect, Math.abs(logits[i] - reference[i]));
        r.maxLogitDiff = Math.max(r.maxLogitDiff, Math.abs(mine[i] - logits[i]));
      }
      for (let i = 0; i < n; i++) {
        const [a, o] = [argmax(mine, i * k, k), argmax(logits, i * k, k)];
        if (a === o) r.agree++;
        if (b.labels[i] === undefined) continue;
        r.labeled++;
        if (a === b.labels[i]) r.studioCorrect++;
        if (o === b.labels[i]) r.onnxCorrect++;
      }
      const codes = probes.map((p) => theirs[p.output].data as Codes);
      probes.forEach((p, j) => addBatch(r.diffs[j], p, studio.get(fq(p)), studio.get(p.act.tensor), codes[j], n, feed.shape[0]));
      // the studio again, each quantizer's output replaced by onnxruntime's dequantized codes
      const feeds = Object.fromEntries(probes.map((p, j) => [fq(p), { data: dequantizeCodes(p, codes[j]), shape: studio.get(fq(p))!.shape }]));
      const own = await fed.inspect({ [m.input]: feed, ...feeds }, probes.flatMap((p) => [p.act.tensor, `${fq(p)}::own`]), { quant: true });
      probes.forEach((p, j) => addBatch(r.local[j], p, own.get(`${fq(p)}::own`), own.get(p.act.tensor), codes[j], n, feed.shape[0]));
      r.images += n;
      opts.onProgress?.(r.images, set.count);
    }
  } finally {
    await probed.release();
    await plain.release();
    fed.dispose();
  }
  r.firstDiffer = r.diffs.find((d) => d.differ > 0)?.tensor ?? null;
  return r;
}

/** Only the first n of `batch` samples are real images (a fixed-batch model pads with zeros). */
function addBatch(d: CodeDiff, p: Probe, fqOut: HostTensor | undefined, x: HostTensor | undefined, file: Codes, n: number, batch: number): void {
  if (!fqOut || !x) throw new Error(`activation "${p.act.tensor}" was not kept by the studio's plan`);
  const len = (fqOut.data.length / batch) * n;
  accumulate(d, p, fqOut.data.subarray(0, len), x.data.subarray(0, len), file.subarray(0, len));
}

const pctOf = (d: CodeDiff) => (d.elements ? ((100 * d.differ) / d.elements).toFixed(4) : '—');

/** A fixed-width table of the comparison, one line per quantizer: end to end, then from the same input codes. */
export function formatDiffs(c: QdqComparison): string[] {
  const head = `${'quantizer'.padEnd(34)}bits  elements  ${'end to end: differ (%) max|Δ| near½'.padEnd(38)}same input: differ (%) max|Δ| near½  kernel≠QL`;
  const cols = (d: CodeDiff) => `${String(d.differ).padStart(8)} ${`(${pctOf(d)})`.padStart(10)} ${String(d.maxDiff).padStart(6)} ${String(d.nearBoundary).padStart(5)}`;
  return [head, ...c.diffs.map((d, i) => `${d.tensor.slice(-33).padEnd(34)}${String(d.bits).padStart(4)}${String(d.elements).padStart(10)}  ${cols(d).padEnd(38)}${cols(c.local[i])}${String(d.kernelVsFormula + c.local[i].kernelVsFormula).padStart(11)}`)];
}
