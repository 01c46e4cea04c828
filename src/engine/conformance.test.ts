// ONNX operator conformance (onnx 1.22 node tests in ../shared): prints passed/failed/skipped with
// a reason for every skip; a case whose outputs constant folding computed counts as folded, not as a
// GPU pass. Every failure fails the suite, and every float test of the foundation ops must pass;
// each pattern of that required list must name a case of the subset, or it would guard nothing.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { testGpu } from '../test/helpers';
import { conformanceDirs, KNOWN_GAPS, REQUIRED, REQUIRED_PATTERNS, runConformanceTest, type ConformanceResult } from './conformance';
import { sharedDir } from '../data/test-paths';

const root = path.join(sharedDir, 'conformance/onnx-node-v1.22.0');

describe('ONNX conformance', () => {
  it('every required pattern names at least one case, and every known gap is a required case', () => {
    const names = conformanceDirs(root).map((d) => path.basename(d));
    expect(names.length, `no conformance tests under ${root}`).toBeGreaterThan(100);
    const guardsNothing = REQUIRED_PATTERNS.filter((p) => !names.some((n) => new RegExp(`^test_(?:${p})`).test(n)));
    expect(guardsNothing, 'REQUIRED patterns that match no conformance case').toEqual([]);
    expect(Object.keys(KNOWN_GAPS).filter((n) => !names.includes(n) || !REQUIRED.test(n)), 'KNOWN_GAPS that are no required case').toEqual([]);
  });

  it('passes every float test of the supported ops', async () => {
    const gpu = await testGpu();
    const dirs = conformanceDirs(root);
    expect(dirs.length, `no conformance tests under ${root}`).toBeGreaterThan(100);
    const results: ConformanceResult[] = [];
    for (const d of dirs) results.push(await runConformanceTest(gpu, d));
    const count = (s: string) => results.filter((r) => r.status === s).length;
    const lines = results.map((r) => `${r.status.padEnd(7)} ${r.name}${r.reason ? `  (${r.reason})` : ''}`);
    console.log(`${lines.join('\n')}\n\nconformance: ${count('passed')} passed on the GPU, ${count('folded')} folded on the CPU, ${count('failed')} failed, ${count('skipped')} skipped of ${results.length}`);
    const required = results.filter((r) => REQUIRED.test(r.name) && !KNOWN_GAPS[r.name]);
    // Any implemented op that fails fails the suite; the required ops must also not be skipped.
    const failed = results.filter((r) => r.status === 'failed' && !KNOWN_GAPS[r.name]);
    const bad = [...failed, ...required.filter((r) => r.status === 'skipped' && !/tensors: the engine computes float32/.test(r.reason ?? ''))];
    expect(bad.map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
    expect(required.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(140);
  });
});
