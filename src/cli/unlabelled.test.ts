// Models without labels, with several outputs and with a dynamic input size, through the CLI:
// LR-ASPP (segmentation, [N, 3, H, W]) asks for --input-shape, then calibrates, reconstructs (QDrop)
// and reports per-output fidelity; SSDlite's two-output detector head quantizes without labels, and `eval --quantized`
// on the written QDQ file (onnxruntime-node) reproduces the studio's fidelity figures.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifarTestDir, repoRoot, sharedDir, sharedMissing } from '../data/test-paths';
import { parseCommand } from './args';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');
const lraspp = resolve(sharedDir, 'models/zoo/lraspp_mobilenet_v3_large.onnx');
const ssdlite = resolve(sharedDir, 'models/zoo/ssdlite320_mobilenet_v3_large_head.onnx');
const zooMissing = sharedMissing || (existsSync(lraspp) && existsSync(ssdlite) ? '' : `the model zoo is not at ${sharedDir}/models/zoo`);

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
type Fid = { sqnrDb: number; cosine: number; maxAbsError: number; top1Agreement: number | null; pixelAgreement: number | null; images: number };

describe('--input-shape parsing', () => {
  it('reads N×C×H×W or C×H×W on eval and quantize; malformed sizes are usage errors', () => {
    const cmd = parseCommand(['eval', '--model', bin, '--images', repoRoot, '--input-shape', '1x3x320x320']);
    expect(cmd).toMatchObject({ command: 'eval', args: { inputShape: { batch: 1, channels: 3, height: 320, width: 320 } } });
    const q = parseCommand(['quantize', '--model', bin, '--calib', repoRoot, '--out', '/tmp/x.onnx', '--input-shape', '3x96x128']);
    expect(q).toMatchObject({ command: 'quantize', args: { inputShape: { channels: 3, height: 96, width: 128 } } });
    expect(() => parseCommand(['eval', '--model', bin, '--images', repoRoot, '--input-shape', '1x3xHxW'])).toThrow(/--input-shape: "1x3xHxW" is not an input shape/);
  });
});

describe.skipIf(zooMissing)(`unlabelled and multi-output models in the CLI ${zooMissing}`, () => {
  let dir = '';
  let images = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qs-unlabelled-'));
    images = join(dir, 'images');
    mkdirSync(images);
    // neutral names and no labels file: these images have no labels
    readdirSync(cifarTestDir).filter((f) => f.endsWith('.png')).slice(0, 4).forEach((f, i) => copyFileSync(join(cifarTestDir, f), join(images, `img${i}.png`)));
    const r = cli('--help'); // builds dist-cli when needed
    expect(r.code, r.stderr).toBe(0);
  });

  it('asks a dynamic-size model for --input-shape, then quantizes and reconstructs it without labels, with per-output fidelity (LR-ASPP)', () => {
    const no = cli('eval', '--model', lraspp, '--images', images);
    expect(no.code, no.stderr).toBe(1);
    expect(no.stderr).toMatch(/^error: the model's input "input" is \[N, 3, H, W\]: its height and width are not fixed.*--input-shape 1x3x224x224/m);
    const out = join(dir, 'lraspp.q.onnx');
    const recon = ['--w', '4', '--a', '8', '--method', 'qdrop', '--iters', '2', '--recon-batch', '2'];
    const r = cli('quantize', '--model', lraspp, '--input-shape', '3x64x64', '--calib', images, '--eval', images, '--observer', 'minmax', ...recon, '--batch', '2', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/input "input" \[N, 3, H, W\] run at 2×3×64×64/);
    expect(r.stderr).toMatch(/^block\s+19\/19 layer .*: loss .* → .* in /m); // reconstruction plans its blocks at the given size
    expect(r.stderr).toMatch(/^fidelity\s+output \[N, 21, 64, 64\]: SQNR [\d.]+ dB, cosine [\d.]+, max \|error\| [\d.e-]+, pixel class agreement [\d.]+ %$/m);
    const j = lastJson(r.stdout);
    expect(j.top1Float).toBeNull();
    const f = (j.fidelity as Record<string, Fid>).output;
    expect(f.images).toBe(4);
    expect(f.sqnrDb).toBeGreaterThan(20); // W4A8 on random weights: about 48 dB
    expect(f.cosine).toBeGreaterThan(0.99);
    expect(f.pixelAgreement).toBeGreaterThan(0.9);
    expect(f.top1Agreement).toBeNull();
  });

  it('quantizes a two-output detector head without labels; onnxruntime on the export gives the same fidelity (SSDlite)', () => {
    const out = join(dir, 'ssdlite.q.onnx');
    const common = ['--batch', '1'];
    const r = cli('quantize', '--model', ssdlite, '--calib', images, '--calib-count', '1', '--eval', images, '--eval-count', '1', '--w', '4', '--a', '8', '--observer', 'minmax', '--out', out, '--json', ...common);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/outputs "cls_logits" \[N, 3234, 91\], "bbox_regression" \[N, 3234, 4\]/);
    expect(r.stderr).not.toMatch(/^quantized\s+top-1/m); // no labels and not class scores [N, K]: no top-1 lines
    const studio = lastJson(r.stdout).fidelity as Record<string, Fid>;
    expect(Object.keys(studio)).toEqual(['cls_logits', 'bbox_regression']);
    // the same run puts onnxruntime on the export beside the studio, output by output
    const exported = lastJson(r.stdout).exportFidelity as Record<string, Fid>;
    expect(Object.keys(exported)).toEqual(['cls_logits', 'bbox_regression']);
    // rel L2 ≤ 1e-3 (issue 11's bound) is SQNR ≥ 60 dB; measured 66.3 and 68.0 dB
    for (const [name, f] of Object.entries(exported)) expect(f.sqnrDb, `${name}: onnxruntime against the studio`).toBeGreaterThan(60);
    expect(r.stderr).toMatch(/^ort=studio\s+cls_logits \[N, 3234, 91\]: SQNR [\d.]+ dB/m);
    const e = cli('eval', '--model', ssdlite, '--images', images, '--limit', '1', '--quantized', out, '--json', ...common);
    expect(e.code, e.stderr).toBe(0);
    const ort = lastJson(e.stdout).fidelity as Record<string, Fid>;
    for (const name of ['cls_logits', 'bbox_regression']) {
      const [s, o] = [studio[name], ort[name]];
      expect(s.sqnrDb, name).toBeGreaterThan(10); // W4A8 on random weights: about 18-20 dB
      expect(s.cosine, name).toBeGreaterThan(0.95);
      expect(s.top1Agreement).toBeNull();
      expect(Math.abs(o.sqnrDb - s.sqnrDb), `${name}: onnxruntime ${o.sqnrDb} dB, studio ${s.sqnrDb} dB`).toBeLessThan(0.5);
      expect(Math.abs(o.cosine - s.cosine), name).toBeLessThan(1e-3);
    }
  });
});
