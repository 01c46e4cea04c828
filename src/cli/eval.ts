// `quant-studio eval`: run a float model on a folder of images (or MNIST IDX) on the GPU and
// report top-1 accuracy and images per second, and with --quantized each output's fidelity of a
// quantized model to it; --json ends the output with one JSON line.
import { readRegularFile } from '../data/read-file-node';
import { basename } from 'node:path';
import { openImageSet, type ImageSet } from '../data/image-set-node';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import type { EvalArgs } from './args';
import { openModel, type PtqModel } from './ptq';
import { engineTop1 } from './top1';
import { compareOutputs, engineRunner, fileRunner } from './output-fidelity';
import { batchOf, fidelityLines, modelLine } from './io-report';
import { fidelityJson, isClassifier, type OutputFidelity } from '../quant/fidelity';

export interface EvalResult {
  model: string;
  images: number;
  /** Fraction of labeled images whose arg-max class is the label; null without labels. */
  top1: number | null;
  imagesPerSecond: number;
  adapter: string;
  /** With --quantized: per output name, the quantized model's fidelity to the float one. */
  fidelity?: Record<string, Omit<OutputFidelity, 'name'>>;
  /** With --quantized: the quantized model's top-1 (null without labels) and its top-1 agreement with the float model. */
  top1Quantized?: number | null;
}

export interface Output {
  /** Human-readable lines (stderr under --json, so stdout holds only the JSON). */
  info(line: string): void;
  /** The final result line(s). */
  result(line: string): void;
  /** A progress line: rewritten in place on a terminal, otherwise throttled whole lines on stderr. */
  progress?(line: string): void;
}

const pad = (s: string) => s.padEnd(9);

export async function runEval(args: EvalArgs, out: Output): Promise<EvalResult> {
  const gpu = await nodeGpu();
  const adapter = adapterLabel(gpu.adapter);
  const m = await openModel(gpu, args.model, args.preset, args.inputShape);
  const batch = batchOf(m, args.batch, args.inputShape);

  const set = openImageSet(args.images, m.preset, { limit: args.limit, labelsFile: args.labels });
  out.info(`${pad('model')}${modelLine(m, batch)}`);
  out.info(`${pad('adapter')}${adapter}`);
  out.info(`${pad('images')}${set.count} from ${args.images}; labels: ${set.labelSource}`);
  out.info(`${pad('preset')}${m.preset.id}: ${m.preset.label}${m.presetGuessed ? ' (from the input shape)' : ''}`);
  if (m.fixedBatch !== undefined && args.batch !== undefined && args.batch !== m.fixedBatch) {
    out.info(`${pad('batch')}${m.fixedBatch} (the model's input has a fixed batch size; --batch ${args.batch} ignored)`);
  }

  if (args.quantized) return evalQuantized(args, m, set, batch, adapter, out);
  const t = await engineTop1(m.session, m, set, {
    batch,
    onProgress: (done, total, top1) => out.progress?.(`${done}/${total} images${top1 === null ? '' : `, top-1 ${(100 * top1).toFixed(2)} %`}`),
  });
  const { correct, labeled } = t;
  const result: EvalResult = {
    model: m.name,
    images: t.images,
    top1: labeled ? correct / labeled : null,
    imagesPerSecond: t.seconds > 0 ? Math.round((t.images / t.seconds) * 10) / 10 : 0,
    adapter,
  };
  const top1 = labeled ? `${((100 * correct) / labeled).toFixed(2)} % (${correct}/${labeled})` : 'n/a (no labels found)';
  out.result(`${pad('top-1')}${top1}`);
  out.result(`${pad('speed')}${result.imagesPerSecond} images/s (batch ${batch}, decoding and preprocessing included)`);
  return result;
}

/** eval --quantized: both models on every image; top-1 of each and every output's fidelity. */
async function evalQuantized(args: EvalArgs, m: PtqModel, set: ImageSet, batch: number, adapter: string, out: Output): Promise<EvalResult> {
  const file = args.quantized!;
  const q = await fileRunner(m.session.gpu, readRegularFile(file, 'model', basename(file)), basename(file), m);
  out.info(`${pad('quant')}${file}, run in ${q.engine}${q.why ? ' (the engine cannot load it yet)' : ''}`);
  try {
    const c = await compareOutputs(set, m, batch, engineRunner(m.session, m), q.run, (done, total) => out.progress?.(`${done}/${total} images`));
    const rate = (t: { correct: number; labeled: number }) => (t.labeled ? t.correct / t.labeled : null);
    const pct = (t: { correct: number; labeled: number }) => (t.labeled ? `${((100 * t.correct) / t.labeled).toFixed(2)} % (${t.correct}/${t.labeled})` : 'n/a (no labels found)');
    if (c.float.labeled || isClassifier(m.outputInfo.shape)) out.result(`${pad('top-1')}float ${pct(c.float)}, quantized ${pct(c.quant)}`);
    for (const line of fidelityLines(c.fidelity, pad('fidelity'))) out.result(line);
    const ips = c.seconds > 0 ? Math.round((c.float.images / c.seconds) * 10) / 10 : 0;
    out.result(`${pad('speed')}${ips} images/s for both models (batch ${batch}, decoding and preprocessing included)`);
    return { model: m.name, images: c.float.images, top1: rate(c.float), top1Quantized: rate(c.quant), imagesPerSecond: ips, adapter, fidelity: fidelityJson(c.fidelity) };
  } finally {
    await q.dispose();
  }
}
