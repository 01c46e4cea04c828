// `quant-studio compare-qdq`: calibrate (round to nearest), export QDQ, and compare the studio's
// fake-quant codes with onnxruntime's QuantizeLinear codes on the exported file, quantizer by quantizer.
import { openImageSet } from '../data/image-set-node';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import { exportQdq } from '../quant/export-qdq';
import type { ObserverKind } from '../quant/types';
import type { Output } from './eval';
import { intIn, mustExist, oneOf, parseFlags, positiveInt } from './flags';
import { calibrateOn, openModel, quantConfig } from './ptq';
import { compareQdq, formatDiffs, type OrtLevel } from './qdq-compare';

export const COMPARE_QDQ_HELP = `compare-qdq options (studio fake-quant vs onnxruntime on the exported QDQ file):
  --model FILE       the float ONNX model;  --calib PATH  calibration images;  --images PATH  test images
  --w BITS, --a BITS weight and activation bits, 2..8 (default 4, 4)
  --observer KIND    minmax | mse | percentile | entropy (default mse)
  --calib-count N    calibration images (default 64);  --limit N  test images (default all)
  --opset 13|21      the export's opset (default 13);  --batch N  images per run (default 50)
  --ort-level L      onnxruntime's graph optimization: all (its default) | extended | basic | disabled
  --json             print one JSON line last: figures per quantizer, top-1 of both, agreement
  Per quantizer: codes that differ end to end (each side runs the whole network), and with
  onnxruntime fed the studio's codes upstream ("same input": that quantizer's own differences);
  "near ½" counts differing codes whose input was within 1e-4 step of a rounding boundary.
`;

export interface CompareQdqArgs {
  model: string;
  calib: string;
  images: string;
  wBits: number;
  aBits: number;
  observer: ObserverKind;
  calibCount: number;
  limit?: number;
  opset: 13 | 21;
  batch: number;
  level: OrtLevel;
  json: boolean;
}

/** Parse the flags after `compare-qdq`; 'help' for -h. */
export function parseCompareQdq(rest: string[]): CompareQdqArgs | 'help' {
  const v = parseFlags(rest, {
    model: { type: 'string' }, calib: { type: 'string' }, images: { type: 'string' }, w: { type: 'string' }, a: { type: 'string' },
    observer: { type: 'string' }, 'calib-count': { type: 'string' }, limit: { type: 'string' }, opset: { type: 'string' },
    batch: { type: 'string' }, 'ort-level': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  });
  if (v.help) return 'help';
  return {
    model: mustExist('model', v.model, 'file'),
    calib: mustExist('calib', v.calib, 'file or folder'),
    images: mustExist('images', v.images, 'file or folder'),
    wBits: intIn('w', v.w, 2, 8, 4),
    aBits: intIn('a', v.a, 2, 8, 4),
    observer: oneOf('observer', v.observer, ['minmax', 'mse', 'percentile', 'entropy'] as const, 'mse'),
    calibCount: positiveInt('calib-count', v['calib-count']) ?? 64,
    limit: positiveInt('limit', v.limit),
    opset: Number(oneOf('opset', v.opset, ['13', '21'] as const, '13')) as 13 | 21,
    batch: positiveInt('batch', v.batch) ?? 50,
    level: oneOf('ort-level', v['ort-level'], ['all', 'extended', 'basic', 'disabled'] as const, 'all'),
    json: Boolean(v.json),
  };
}

const pad = (s: string) => s.padEnd(12);
const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(2)} %`;

export async function runCompareQdq(args: CompareQdqArgs, out: Output) {
  const start = performance.now();
  const gpu = await nodeGpu();
  const m = await openModel(gpu, args.model);
  const calib = openImageSet(args.calib, m.preset, { limit: args.calibCount });
  const test = openImageSet(args.images, m.preset, { limit: args.limit });
  out.info(`${pad('model')}${m.name}; adapter ${adapterLabel(gpu.adapter)}`);
  out.info(`${pad('quantize')}W${args.wBits}A${args.aBits} ${args.observer}, round to nearest, ${calib.count} calibration images; QDQ opset ${args.opset}; onnxruntime level ${args.level}`);
  const config = quantConfig({ wBits: args.wBits, aBits: args.aBits, observer: args.observer, calibCount: args.calibCount });
  const { state, seconds } = await calibrateOn(m, config, calib, args.batch);
  const bytes = exportQdq(m.session.model, m.session.graph, state, { opset: args.opset });
  out.info(`${pad('calibrated')}${state.acts.length} activation quantizers in ${seconds.toFixed(1)} s; comparing on ${test.count} images`);
  const c = await compareQdq(m, state, bytes, test, { batch: args.batch, level: args.level, onProgress: (d, t) => out.progress?.(`${pad('compare')}${d}/${t}`) });
  for (const line of formatDiffs(c)) out.result(line);
  const worst = (ds: typeof c.diffs) => Math.max(0, ...ds.map((d) => d.differ / Math.max(1, d.elements)));
  out.result(`${pad('top-1')}studio ${pct(c.studioCorrect, c.labeled)}, onnxruntime ${pct(c.onnxCorrect, c.labeled)}; same class on ${c.agree}/${c.images} (${pct(c.agree, c.images)})`);
  const own = c.local.reduce((a, d) => ({ differ: a.differ + d.differ, farthest: Math.max(a.farthest, d.farthest) }), { differ: 0, farthest: 0 });
  out.result(`${pad('codes')}first quantizer that differs: ${c.firstDiffer ?? 'none'}; worst quantizer ${(100 * worst(c.diffs)).toFixed(4)} % end to end, ${(100 * worst(c.local)).toFixed(4)} % from the same input codes`);
  if (own.differ) out.result(`${pad('')}the ${own.differ} code(s) that differ from the same input codes had x/s ${own.farthest ? `within ${own.farthest.toExponential(1)} step of` : 'exactly on'} a rounding boundary (float accumulation order)`);
  out.result(`${pad('logits')}max |studio − onnxruntime| ${c.maxLogitDiff.toPrecision(3)}; exposing the codes changed onnxruntime's logits by ${c.probeEffect}`);
  const seconds2 = (performance.now() - start) / 1000;
  out.result(`${pad('time')}${seconds2.toFixed(1)} s`);
  m.session.dispose();
  return {
    model: m.name, w: args.wBits, a: args.aBits, observer: args.observer, calibImages: calib.count, images: c.images, opset: args.opset, ortLevel: args.level,
    top1Studio: c.labeled ? c.studioCorrect / c.labeled : null, top1Onnx: c.labeled ? c.onnxCorrect / c.labeled : null, agree: c.agree,
    firstDiffer: c.firstDiffer, maxLogitDiff: c.maxLogitDiff, probeEffect: c.probeEffect,
    quantizers: c.diffs.map((d, i) => ({ ...d, local: c.local[i] })),
    seconds: Math.round(seconds2 * 10) / 10,
  };
}
