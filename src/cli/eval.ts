// `quant-studio eval`: run a float model on a folder of images (or MNIST IDX) on the GPU and
// report top-1 accuracy and images per second; --json ends the output with one JSON line.
import { openImageSet } from '../data/image-set-node';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import type { EvalArgs } from './args';
import { openModel } from './ptq';
import { engineTop1 } from './top1';

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
  /** A progress line: rewritten in place on a terminal, otherwise throttled whole lines on stderr. */
  progress?(line: string): void;
}

const pad = (s: string) => s.padEnd(9);

export async function runEval(args: EvalArgs, out: Output): Promise<EvalResult> {
  const gpu = await nodeGpu();
  const adapter = adapterLabel(gpu.adapter);
  const m = await openModel(gpu, args.model, args.preset);
  const batch = m.fixedBatch ?? args.batch ?? 32;

  const set = openImageSet(args.images, m.preset, { limit: args.limit, labelsFile: args.labels });
  out.info(`${pad('model')}${m.name}: input "${m.input}" [${m.inputInfo.shape.join(', ')}], output "${m.output}" [${m.outputInfo.shape.join(', ')}]`);
  out.info(`${pad('adapter')}${adapter}`);
  out.info(`${pad('images')}${set.count} from ${args.images}; labels: ${set.labelSource}`);
  out.info(`${pad('preset')}${m.preset.id}: ${m.preset.label}${m.presetGuessed ? ' (from the input shape)' : ''}`);
  if (m.fixedBatch !== undefined && args.batch !== undefined && args.batch !== m.fixedBatch) {
    out.info(`${pad('batch')}${m.fixedBatch} (the model's input has a fixed batch size; --batch ${args.batch} ignored)`);
  }

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
