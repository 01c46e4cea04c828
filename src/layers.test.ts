// The layers point one way (the README's "Where the code lives"): the kernels (src/gpu, src/ref) know no algorithm and never
// import from src/quant or src/recon, and PTQ (src/quant) never imports reconstruction (src/recon).
// Every import, export … from, dynamic import() and side-effect import of every .ts/.tsx file there,
// tests included, is resolved and checked.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.dirname(new URL(import.meta.url).pathname);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The src/ folder each relative import of `file` lands in ('gpu', 'quant', …). */
function importedLayers(file: string, text: string): { spec: string; layer: string }[] {
  const out: { spec: string; layer: string }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const rel = path.relative(src, path.resolve(path.dirname(file), spec));
    out.push({ spec, layer: rel.split(path.sep)[0] });
  }
  return out;
}

const rules: { layer: string; never: string[] }[] = [
  { layer: 'gpu', never: ['quant', 'recon'] },
  { layer: 'ref', never: ['quant', 'recon'] },
  { layer: 'quant', never: ['recon'] },
];

describe('layers', () => {
  it('reads the imports it checks', () => {
    const f = path.join(src, 'gpu', 'kernels', 'x.ts');
    expect(importedLayers(f, `import { a } from '../../recon/cache';\nexport { b } from './y';\nconst m = await import('../../quant/z');\nimport '../../recon/side-effect';`)).toEqual([
      { spec: '../../recon/cache', layer: 'recon' },
      { spec: './y', layer: 'gpu' },
      { spec: '../../quant/z', layer: 'quant' },
      { spec: '../../recon/side-effect', layer: 'recon' },
    ]);
  });

  for (const r of rules) {
    it(`src/${r.layer} never imports from ${r.never.map((n) => `src/${n}`).join(' or ')}`, () => {
      const bad: string[] = [];
      const checked = files(path.join(src, r.layer));
      for (const f of checked) {
        for (const i of importedLayers(f, readFileSync(f, 'utf8'))) if (r.never.includes(i.layer)) bad.push(`${path.relative(src, f)} imports ${i.spec}`);
      }
      expect(checked.length).toBeGreaterThan(5);
      expect(bad).toEqual([]);
    });
  }
});
