// The op table: ONNX op type (default domain) → OpDef.
import { elementwiseOps } from './elementwise';
import { tensorOps, SHAPE_ONLY } from './tensor';
import { nnOps } from './nn';
import { quantOps, QS_DOMAIN } from './quant';
import type { OpDef } from './op';

export const OPS: Record<string, OpDef> = { ...elementwiseOps, ...tensorOps, ...nnOps, ...quantOps };
export { SHAPE_ONLY };

export function isSupported(opType: string, domain: string): boolean {
  if (domain === QS_DOMAIN) return Object.hasOwn(quantOps, opType);
  return (domain === '' || domain === 'ai.onnx') && Object.hasOwn(OPS, opType) && !Object.hasOwn(quantOps, opType);
}
