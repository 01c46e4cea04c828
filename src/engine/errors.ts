// User-facing errors: each says which file (and node), what is wrong and what to do. The UI and
// the CLI print `message`; `code` lets tests and the UI tell kinds apart.

export type ErrorCode =
  | 'not-onnx'
  | 'truncated'
  | 'unsupported-ops'
  | 'external-data'
  | 'unresolved-shape'
  | 'bad-image'
  | 'no-webgpu'
  | 'bad-input'
  | 'gpu-lost'
  | 'cancelled';

export class StudioError extends Error {
  override name = 'StudioError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof Error && (e as StudioError).name === 'StudioError' && typeof (e as StudioError).code === 'string';
}
