// The JSON report of a quantization: model, GPU adapter, preprocessing, the calibrated
// configuration, the per-layer table, accuracies (float, quantized, agreement, onnxruntime-web),
// the exported file and the time each step took.
import type { QuantStats } from '../../worker/quant-api';
import type { ReconConfig } from '../../recon/reconstruct';
import type { StudioState } from '../store';
import { selectEvalStats, selectVerifyStats } from '../quant-selectors';

/** JSON has no Infinity: an exact quantizer's SQNR is written as the string "inf". */
const db = (x: number): number | string => (Number.isFinite(x) ? Number(x.toFixed(3)) : x > 0 ? 'inf' : '-inf');

function stats(s: QuantStats | null) {
  return s && { bits: s.bits, min: s.min, max: s.max, scale: s.scale, sqnrDb: db(s.sqnrDb) };
}

const ratio = (n: number, d: number) => (d ? Number((n / d).toFixed(6)) : null);

function reconstructionReport(st: StudioState, runId: number, cfg: ReconConfig) {
  const run = st.reconRuns.find((r) => r.id === runId);
  const { flatness: _f, ...settings } = cfg;
  return {
    ...settings,
    seconds: run ? run.ms / 1000 : null,
    blocks: run?.blocks.map((b) => ({ name: b.name, kind: b.kind, layers: b.layers, status: b.status, firstLoss: b.firstLoss, lastLoss: b.lastLoss })) ?? [],
  };
}

export function buildReport(st: StudioState) {
  const c = st.calibration!;
  const ev = selectEvalStats(st);
  const ver = selectVerifyStats(st);
  const adapter = st.device.status === 'ready' ? { name: st.device.adapter, fallback: st.device.fallback, features: st.device.features } : null;
  return {
    tool: 'quant-studio',
    createdAt: new Date().toISOString(),
    model: st.model && { fileName: st.model.fileName, bytes: st.modelBytes, inputs: st.model.inputs, outputs: st.model.outputs, params: st.model.paramCount },
    adapter,
    preprocessing: c.preset,
    config: c.config,
    calibration: { images: c.images, unreadable: c.failed, seconds: c.ms / 1000 },
    dataFree: c.dataFree ? { rounding: c.dataFree.rounding, noiseImages: c.dataFree.noiseImages, squantMs: c.dataFree.squantMs, activationSqnrOn: c.dataFree.sampleSource } : null,
    reconstruction: c.recon ? reconstructionReport(st, c.recon.runId, c.recon.cfg) : null,
    layers: c.rows.map((r) => ({ index: r.index, name: r.name, opType: r.opType, weight: stats(r.weight), activation: r.act && { tensor: r.actTensor, ...stats(r.act) }, ...(r.squantMs !== undefined ? { squantMs: r.squantMs, squantMoved: r.squantMoved } : {}) })),
    evaluation: ev.done
      ? {
          images: ev.done,
          labeled: ev.labeled,
          unreadable: ev.failed,
          top1Float: ratio(ev.floatCorrect, ev.labeled),
          top1Quant: ratio(ev.quantCorrect, ev.labeled),
          agreement: ratio(ev.agree, ev.compared),
          correctFloat: ev.floatCorrect,
          correctQuant: ev.quantCorrect,
          seconds: (st.evalQuant?.ms ?? 0) / 1000,
        }
      : null,
    onnxruntimeWeb: ver.done ? { backend: 'wasm', images: ver.done, labeled: ver.labeled, correct: ver.correct, top1: ratio(ver.correct, ver.labeled), differFromStudio: ver.differ, seconds: (st.verified?.ms ?? 0) / 1000 } : null,
    export: st.exported && st.exported.from === c ? { fileName: st.exported.fileName, opset: st.exported.opset, bytes: st.exported.blob.size, seconds: st.exported.ms / 1000, webgpuFallbacks: st.exported.fallbacks } : null,
  };
}
