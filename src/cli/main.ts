// The Node entry of quant-studio (bundled by vite.cli.config.ts into dist-cli/main.mjs and run
// by bin/quant-studio.mjs): dispatches commands and turns errors into messages and exit codes.
import { isStudioError } from '../engine/errors';
import { GpuUnavailableError } from '../gpu/gpu';
import { HELP, parseCommand, UsageError } from './args';
import { runEval, type Output } from './eval';
import { runQuantize } from './quantize';
import { runCompareQdq } from './compare-qdq';

/** Off a terminal, progress is written as whole lines, at most one per this many ms (and the last). */
const PROGRESS_LINE_MS = 5000;

/** Run the CLI on argv (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseCommand(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\nRun "quant-studio --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (cmd.command === 'help') {
    (cmd.exitCode ? process.stderr : process.stdout).write(HELP);
    return cmd.exitCode;
  }
  const json = cmd.args.json;
  const tty = Boolean(process.stderr.isTTY);
  let progressShown = false;
  let lastLine = 0;
  const line = (s: string) => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
    (json ? process.stderr : process.stdout).write(s + '\n');
  };
  const out: Output = {
    info: line,
    result: line,
    progress: tty
      ? (s) => {
          progressShown = true;
          process.stderr.write(`\r\x1b[K${s}`);
        }
      : (s) => {
          const now = Date.now();
          const last = /^\S*\s*(\d+)\/\1\b/.test(s);
          if (!last && now - lastLine < PROGRESS_LINE_MS) return;
          lastLine = now;
          process.stderr.write(s + '\n');
        },
  };
  try {
    const result = cmd.command === 'quantize' ? await runQuantize(cmd.args, out) : cmd.command === 'compare-qdq' ? await runCompareQdq(cmd.args, out) : await runEval(cmd.args, out);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    if (progressShown) process.stderr.write('\n');
    process.stderr.write(`error: ${describeError(e)}\n`);
    if (process.env.QUANT_STUDIO_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}

/** The message alone for errors meant for users; other errors get their type as a hint. */
function describeError(e: unknown): string {
  if (isStudioError(e) || e instanceof GpuUnavailableError) return e.message;
  if (e instanceof Error) return `${e.message} (${e.name}; set QUANT_STUDIO_DEBUG=1 for the stack trace)`;
  return String(e);
}

const code = await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`error: ${describeError(e)}\n`);
  return 1;
});
// Dawn keeps handles open; exit once the output is flushed.
process.stdout.write('', () => process.exit(code));
