// How the CLI takes and describes a model's inputs and outputs: the --input-shape flag, the
// "model" line naming every output, and the per-output fidelity lines of eval and quantize.
import { parseInputShape, type InputShape } from '../data/input-size';
import { StudioError } from '../engine/errors';
import { formatFidelity, type OutputFidelity } from '../quant/fidelity';
import { UsageError } from './flags';
import type { PtqModel } from './ptq';

export const INPUT_SHAPE_HELP = `  --input-shape S     the image size for a model whose input height/width are not fixed
                      ([N, 3, H, W]): N×C×H×W or C×H×W, e.g. 1x3x320x320 (N sets the batch
                      when the model's is dynamic); preprocessing resizes to it`;

/** --input-shape's value, or undefined; a malformed one is a UsageError. */
export function inputShapeFlag(v: string | boolean | undefined): InputShape | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError('--input-shape needs a value, e.g. --input-shape 1x3x224x224');
  try {
    return parseInputShape(v);
  } catch (e) {
    throw new UsageError(`--input-shape: ${(e as Error).message}`);
  }
}

/** The batch to run: a fixed batch wins, then --batch, then --input-shape's N (they must agree), then 32. */
export function batchOf(m: { fixedBatch?: number }, batch: number | undefined, size: InputShape | undefined): number {
  if (batch !== undefined && size?.batch !== undefined && batch !== size.batch && m.fixedBatch === undefined) {
    throw new StudioError('bad-input', `--batch ${batch} and --input-shape's batch ${size.batch} differ; give one of them`);
  }
  return m.fixedBatch ?? batch ?? size?.batch ?? 32;
}

const dims = (shape: (number | string)[]) => `[${shape.join(', ')}]`;

/** `input "x" [N, 3, H, W] run at 1×3×320×320, outputs "a" [N, 10], "b" [N, 4]` */
export function modelLine(m: PtqModel, batch: number): string {
  const outs = m.session.summary.outputs.map((o) => `"${o.name}" ${dims(o.shape)}`);
  const dynamic = m.inputInfo.shape.some((d) => typeof d !== 'number');
  const run = dynamic ? ` run at ${[batch, m.preset.channels, m.preset.height, m.preset.width].join('×')}` : '';
  return `${m.name}: input "${m.input}" ${dims(m.inputInfo.shape)}${run}, output${outs.length === 1 ? '' : 's'} ${outs.join(', ')}`;
}

/** One line per output, each prefixed by `label` padded like the other result lines. */
export function fidelityLines(fs: OutputFidelity[], label: string): string[] {
  return fs.map((f) => `${label}${formatFidelity(f)}`);
}
