// Flag helpers shared by the CLI's commands: UsageError (exit code 2), strict parseArgs with
// short messages, and checks for whole numbers, choices and paths that must exist.
import { existsSync, statSync } from 'node:fs';
import { specialKind } from '../data/read-file-node';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagValues = Record<string, string | boolean | undefined>;

/** node:util parseArgs, strict and without positionals; its errors become UsageErrors. */
export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig['options']>): FlagValues {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options }).values as FlagValues;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function positiveInt(flag: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} needs a whole number ≥ 1, got "${v}"`);
  return n;
}

/** A whole number in [lo, hi] (default when the flag is absent). */
export function intIn(flag: string, v: string | boolean | undefined, lo: number, hi: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${flag} must be a whole number from ${lo} to ${hi}, got "${v}"`);
  return n;
}

/** One of `choices` (default when the flag is absent). */
export function oneOf<T extends string>(flag: string, v: string | boolean | undefined, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${v}"`);
  return v as T;
}

export function mustExist(flag: string, path: string | boolean | undefined, kind: 'file' | 'file or folder'): string {
  if (typeof path !== 'string' || !path) throw new UsageError(`--${flag} is required`);
  if (!existsSync(path)) throw new UsageError(`--${flag}: ${path} does not exist (or is a broken or looping link); give the path of an existing ${kind}`);
  if (kind === 'file' && statSync(path).isDirectory()) throw new UsageError(`--${flag}: ${path} is a folder, not a file; give the path of the file itself`);
  const special = specialKind(statSync(path));
  if (special && special !== 'a folder') throw new UsageError(`--${flag}: ${path} is ${special}, not a regular file; give the path of the ${kind} itself`);
  return path;
}

/** An output path: refused when it exists as anything but a regular file (writing to a FIFO would wait forever). */
export function mustBeWritable(flag: string, path: string): string {
  const special = existsSync(path) ? specialKind(statSync(path)) : '';
  if (special) throw new UsageError(`--${flag}: ${path} is ${special}, not a regular file; choose a file name to write to`);
  return path;
}
