// A QuantState as JSON (typed arrays as plain arrays) for checkpoints between blocks: the page
// keeps it in IndexedDB so a reconstruction survives a reload and resumes at the next block.
import type { QuantState } from '../quant/types';

const TYPED: Record<string, (a: number[]) => ArrayLike<number>> = {
  f32: (a) => Float32Array.from(a),
  i32: (a) => Int32Array.from(a),
};

export function serializeState(s: QuantState): string {
  return JSON.stringify(s, (_k, v: unknown) => {
    if (v instanceof Float32Array) return { __t: 'f32', v: Array.from(v) };
    if (v instanceof Int32Array) return { __t: 'i32', v: Array.from(v) };
    return v;
  });
}

export function parseState(text: string): QuantState {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__t' in v && 'v' in v) {
      const t = v as { __t: string; v: number[] };
      const make = TYPED[t.__t];
      if (make) return make(t.v);
    }
    return v;
  }) as QuantState;
}
