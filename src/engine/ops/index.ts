// The op table: ONNX op type (default domain) → OpDef.
import { elementwiseOps } from './elementwise';
import { broadcastOps } from './broadcast';
import { tensorOps, SHAPE_ONLY } from './tensor';
import { nnOps } from './nn';
import { reduceOps } from './reduce';
import { normOps } from './norm';
import { resizeOps } from './resize';
import { convTransposeOps } from './conv-transpose';
import { gatherOps } from './gather';
import { quantOps, QS_DOMAIN } from './quant';
import { qdqOps } from './qdq';
import type { OpDef } from './op';

export const OPS: Record<string, OpDef> = { ...elementwiseOps, ...broadcastOps, ...tensorOps, ...nnOps, ...reduceOps, ...normOps, ...resizeOps, ...convTransposeOps, ...gatherOps, ...qdqOps, ...quantOps };
export { SHAPE_ONLY };

export function isSupported(opType: string, domain: string): boolean {
  if (domain === QS_DOMAIN) return Object.hasOwn(quantOps, opType);
  return (domain === '' || domain === 'ai.onnx') && Object.hasOwn(OPS, opType) && !Object.hasOwn(quantOps, opType);
}
