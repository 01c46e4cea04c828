// Command-line parsing for the quant-studio CLI: the help text, flags of each command, and
// UsageError (exit code 2) for unknown flags, bad values and missing files.
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPresetId, PRESETS } from '../data/presets';

/** A mistake in how the CLI was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const HELP = `quant-studio — post-training quantization on WebGPU (headless, same engine as the app)

Usage:
  quant-studio eval --model M.onnx --images DIR [options]

Commands:
  eval      top-1 accuracy and images per second of a model on a set of images

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
  --json           print one JSON line {model, images, top1, imagesPerSecond, adapter} last
  -h, --help       this text

Exit codes: 0 ok, 1 the model or images could not be used (the message says why), 2 usage.
`;

export interface EvalArgs {
  model: string;
  images: string;
  preset?: keyof typeof PRESETS;
  labels?: string;
  batch?: number;
  limit?: number;
  json: boolean;
}

export type Command = { command: 'help'; exitCode: 0 | 2 } | { command: 'eval'; args: EvalArgs };

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} needs a whole number ≥ 1, got "${v}"`);
  return n;
}

function mustExist(flag: string, path: string | undefined, kind: 'file' | 'file or folder'): string {
  if (!path) throw new UsageError(`--${flag} is required`);
  if (!existsSync(path)) throw new UsageError(`--${flag}: ${path} does not exist`);
  if (kind === 'file' && statSync(path).isDirectory()) throw new UsageError(`--${flag}: ${path} is a folder, not a file`);
  return path;
}

/** Parse argv (without node and the script path); throws UsageError on any mistake. */
export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (!command) return { command: 'help', exitCode: 2 };
  if (command === '-h' || command === '--help' || command === 'help') return { command: 'help', exitCode: 0 };
  if (command !== 'eval') {
    throw new UsageError(command.startsWith('-') ? `a command comes first (eval), got "${command}"` : `unknown command "${command}"; the commands are: eval`);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        images: { type: 'string' },
        preset: { type: 'string' },
        labels: { type: 'string' },
        batch: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (values.help) return { command: 'help', exitCode: 0 };
  const preset = values.preset as string | undefined;
  if (preset !== undefined && !isPresetId(preset)) {
    throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${preset}"`);
  }
  return {
    command: 'eval',
    args: {
      model: mustExist('model', values.model as string | undefined, 'file'),
      images: mustExist('images', values.images as string | undefined, 'file or folder'),
      preset,
      labels: values.labels === undefined ? undefined : mustExist('labels', values.labels as string, 'file'),
      batch: positiveInt('batch', values.batch as string | undefined),
      limit: positiveInt('limit', values.limit as string | undefined),
      json: Boolean(values.json),
    },
  };
}
