// The op table: ONNX op type (default domain) → OpDef.
import { elementwiseOps } from './elementwise';
import { tensorOps, SHAPE_ONLY } from './tensor';
import { nnOps } from './nn';
import type { OpDef } from './op';

export const OPS: Record<string, OpDef> = { ...elementwiseOps, ...tensorOps, ...nnOps };
export { SHAPE_ONLY };

export function isSupported(opType: string, domain: string): boolean {
  return (domain === '' || domain === 'ai.onnx') && Object.hasOwn(OPS, opType);
}
