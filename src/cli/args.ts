// Command-line parsing for the quant-studio CLI: the help text, flags of each command, and
// UsageError (exit code 2) for unknown flags, bad values and missing files.
import { isPresetId, PRESETS } from '../data/presets';
import { mustExist, parseFlags, positiveInt, UsageError } from './flags';
import { parseQuantize, QUANTIZE_HELP, type QuantizeArgs } from './quantize-args';
import { COMPARE_QDQ_HELP, parseCompareQdq, type CompareQdqArgs } from './compare-qdq';
import type { InputShape } from '../data/input-size';
import { inputShapeFlag } from './io-report';

export { UsageError };

export const HELP = `quant-studio — post-training quantization on WebGPU (headless, same engine as the app)

Usage:
  quant-studio eval --model M.onnx --images DIR [options]
  quant-studio quantize --model M.onnx --calib DIR [--w 4 --a 4] --out Q.onnx [--eval DIR] [options]
  quant-studio compare-qdq --model M.onnx --calib DIR --images DIR [--w 4 --a 4] [options]

Commands:
  eval      top-1 accuracy and images per second of a model on a set of images
  quantize  calibrate, quantize (round to nearest) and export a QDQ ONNX model; with --eval,
            float, quantized and onnxruntime top-1
  compare-qdq  the studio's fake-quant codes against onnxruntime's on the exported QDQ file,
            quantizer by quantizer, and the top-1 of both

eval options:
  --model FILE     the ONNX model (float32 image classifier, input [N, C, H, W])
  --images PATH    a folder of PNG/JPEG images (searched recursively), or an MNIST
                   t10k-images-idx3-ubyte(.gz) file (its labels file is found beside it)
  --preset NAME    preprocessing: ${Object.keys(PRESETS).join(' | ')} (default: guessed from the
                   model's input shape)
  --labels FILE    labels.txt (one per line, sorted file order), labels.csv (file,label) or
                   labels.json; by default labels come from names like 0003_airplane.png,
                   class folders (cat/x.png) or a labels file beside the images
  --batch N        images per run (default 32; a model with a fixed batch size uses its own)
  --limit N        evaluate only the first N images
  --input-shape S  the image size for a model whose input height/width are not fixed
                   ([N, 3, H, W]): N×C×H×W or C×H×W, e.g. 1x3x320x320 (N sets the batch
                   when the model's is dynamic); preprocessing resizes to it
  --quantized FILE a quantized (QDQ) version of --model: per output, its fidelity to the float
                   model (SQNR dB, cosine, max abs error; top-1 agreement for [N, K] outputs),
                   labels or not. Runs in the engine, or in onnxruntime-node when the engine
                   cannot load it
  --json           print one JSON line {model, images, top1, imagesPerSecond, adapter, fidelity} last
  -h, --help       this text

${QUANTIZE_HELP}
${COMPARE_QDQ_HELP}
Exit codes: 0 ok, 1 the model or images could not be used (the message says why), 2 usage.
`;

export interface EvalArgs {
  model: string;
  images: string;
  preset?: keyof typeof PRESETS;
  labels?: string;
  batch?: number;
  limit?: number;
  /** --input-shape: the image size of a dynamic-H/W input. */
  inputShape?: InputShape;
  /** --quantized: a QDQ model compared with --model output by output. */
  quantized?: string;
  json: boolean;
}

export type Command =
  | { command: 'help'; exitCode: 0 | 2 }
  | { command: 'eval'; args: EvalArgs }
  | { command: 'quantize'; args: QuantizeArgs }
  | { command: 'compare-qdq'; args: CompareQdqArgs };

/** Parse argv (without node and the script path); throws UsageError on any mistake. */
export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (!command) return { command: 'help', exitCode: 2 };
  if (command === '-h' || command === '--help' || command === 'help') return { command: 'help', exitCode: 0 };
  if (command === 'quantize') {
    const args = parseQuantize(rest);
    return args === 'help' ? { command: 'help', exitCode: 0 } : { command: 'quantize', args };
  }
  if (command === 'compare-qdq') {
    const args = parseCompareQdq(rest);
    return args === 'help' ? { command: 'help', exitCode: 0 } : { command: 'compare-qdq', args };
  }
  if (command !== 'eval') {
    throw new UsageError(command.startsWith('-') ? `a command comes first (eval, quantize, compare-qdq), got "${command}"` : `unknown command "${command}"; the commands are: eval, quantize, compare-qdq`);
  }
  const values = parseFlags(rest, {
    model: { type: 'string' },
    images: { type: 'string' },
    preset: { type: 'string' },
    labels: { type: 'string' },
    batch: { type: 'string' },
    limit: { type: 'string' },
    'input-shape': { type: 'string' },
    quantized: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return { command: 'help', exitCode: 0 };
  const preset = values.preset as string | undefined;
  if (preset !== undefined && !isPresetId(preset)) {
    throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${preset}"`);
  }
  return {
    command: 'eval',
    args: {
      model: mustExist('model', values.model, 'file'),
      images: mustExist('images', values.images, 'file or folder'),
      preset,
      labels: values.labels === undefined ? undefined : mustExist('labels', values.labels, 'file'),
      batch: positiveInt('batch', values.batch),
      limit: positiveInt('limit', values.limit),
      inputShape: inputShapeFlag(values['input-shape']),
      quantized: values.quantized === undefined ? undefined : mustExist('quantized', values.quantized, 'file'),
      json: Boolean(values.json),
    },
  };
}
