// `quant-studio eval`: run a float model on a folder of images (or MNIST IDX) on the GPU and
// report top-1 accuracy and images per second; --json ends the output with one JSON line.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openImageSet, type ImageBatch } from '../data/image-set-node';
import { checkPresetFits, PRESETS, presetForInputShape } from '../data/presets';
import { Session } from '../engine/session';
import { StudioError } from '../engine/errors';
import type { HostTensor } from '../engine/types';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import type { EvalArgs } from './args';

export interface EvalResult {
  model: string;
  images: number;
  /** Fraction of labeled images whose arg-max class is the label; null without labels. */
  top1: number | null;
  imagesPerSecond: number;
  adapter: string;
}

export interface Output {
  /** Human-readable lines (stderr under --json, so stdout holds only the JSON). */
  info(line: string): void;
  /** The final result line(s). */
  result(line: string): void;
  /** A transient progress line (only on a terminal). */
  progress?(line: string): void;
}

const pad = (s: string) => s.padEnd(9);

export async function runEval(args: EvalArgs, out: Output): Promise<EvalResult> {
  const modelName = basename(args.model);
  const gpu = await nodeGpu();
  const adapter = adapterLabel(gpu.adapter);
  const session = await Session.load(gpu, readFileSync(args.model), modelName);
  const input = session.summary.inputs[0];
  const output = session.summary.outputs[0];
  if (!input || !output) throw new StudioError('bad-input', `${modelName} has no graph inputs or outputs to evaluate`, modelName);
  const preset = args.preset ? PRESETS[args.preset] : presetForInputShape(input.shape);
  checkPresetFits(preset, input.shape, input.name);
  const fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : undefined;
  const batch = fixedBatch ?? args.batch ?? 32;

  const set = openImageSet(args.images, preset, { limit: args.limit, labelsFile: args.labels });
  out.info(`${pad('model')}${modelName}: input "${input.name}" [${input.shape.join(', ')}], output "${output.name}" [${output.shape.join(', ')}]`);
  out.info(`${pad('adapter')}${adapter}`);
  out.info(`${pad('images')}${set.count} from ${args.images}; labels: ${set.labelSource}`);
  out.info(`${pad('preset')}${preset.id}: ${preset.label}${args.preset ? '' : ' (from the input shape)'}`);
  if (fixedBatch !== undefined && args.batch !== undefined && args.batch !== fixedBatch) {
    out.info(`${pad('batch')}${fixedBatch} (the model's input has a fixed batch size; --batch ${args.batch} ignored)`);
  }

  let correct = 0;
  let labeled = 0;
  let done = 0;
  const start = performance.now();
  for (const b of set.batches(batch)) {
    const logits = await runBatch(session, input.name, output.name, b, fixedBatch);
    const k = logits.data.length / Math.max(1, logits.shape[0]);
    b.labels.forEach((label, i) => {
      if (label === undefined) return;
      labeled++;
      if (argmax(logits.data, i * k, k) === label) correct++;
    });
    done += b.names.length;
    out.progress?.(`${done}/${set.count} images${labeled ? `, top-1 ${((100 * correct) / labeled).toFixed(2)} %` : ''}`);
  }
  const seconds = (performance.now() - start) / 1000;
  const result: EvalResult = {
    model: modelName,
    images: done,
    top1: labeled ? correct / labeled : null,
    imagesPerSecond: seconds > 0 ? Math.round((done / seconds) * 10) / 10 : 0,
    adapter,
  };
  const top1 = labeled ? `${((100 * correct) / labeled).toFixed(2)} % (${correct}/${labeled})` : 'n/a (no labels found)';
  out.result(`${pad('top-1')}${top1}`);
  out.result(`${pad('speed')}${result.imagesPerSecond} images/s (batch ${batch}, decoding and preprocessing included)`);
  return result;
}

/** One batch through the model; a fixed-size batch input gets zero padding for the last one. */
async function runBatch(session: Session, inputName: string, outputName: string, b: ImageBatch, fixedBatch?: number): Promise<HostTensor> {
  const n = b.shape[0];
  let feed: HostTensor = { data: b.data, shape: b.shape };
  if (fixedBatch !== undefined && fixedBatch !== n) {
    const data = new Float32Array((b.data.length / n) * fixedBatch);
    data.set(b.data);
    feed = { data, shape: [fixedBatch, ...b.shape.slice(1)] };
  }
  const outputs = await session.run({ [inputName]: feed });
  const logits = outputs[outputName] ?? Object.values(outputs)[0];
  if (!logits) throw new StudioError('bad-input', `the model returned no output "${outputName}"`);
  const rows = logits.shape[0] ?? 1;
  return { data: logits.data.subarray(0, (logits.data.length / rows) * n), shape: [n, ...logits.shape.slice(1)] };
}

function argmax(x: Float32Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (x[offset + j] > x[offset + best]) best = j;
  return best;
}
