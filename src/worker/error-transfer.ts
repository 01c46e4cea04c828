// Errors crossing the worker boundary keep their StudioError code: comlink's default "throw"
// handler only copies name/message/stack, so both sides install this one instead.
import * as Comlink from 'comlink';
import { StudioError, type ErrorCode } from '../engine/errors';
import { GpuUnavailableError } from '../gpu/gpu';

interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
  file?: string;
}

function toWire(e: unknown): WireError {
  if (e instanceof StudioError) return { name: e.name, message: e.message, stack: e.stack, code: e.code, file: e.file };
  if (e instanceof GpuUnavailableError) return { name: e.name, message: e.message, code: 'no-webgpu' };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function fromWire(w: WireError): Error {
  const err = w.code ? new StudioError(w.code, w.message, w.file) : Object.assign(new Error(w.message), { name: w.name });
  if (w.stack) err.stack = w.stack;
  return err;
}

const throwHandler = Comlink.transferHandlers.get('throw')!;

export function installErrorTransfer(): void {
  Comlink.transferHandlers.set('throw', {
    canHandle: throwHandler.canHandle,
    serialize: ({ value }: { value: unknown }) => [{ wire: toWire(value) }, []],
    deserialize: (v: unknown) => {
      throw fromWire((v as { wire: WireError }).wire);
    },
  } as Comlink.TransferHandler<{ value: unknown }, { wire: WireError }>);
}
