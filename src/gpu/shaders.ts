// Every WGSL kernel in shaders/, loaded as text at build time (Vite/Vitest import.meta.glob).
// A line `//!include NAME` pulls in shaders/lib/NAME.wgsl (shared functions, e.g. the counter RNG),
// once per kernel.
const files = import.meta.glob('../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const libFiles = import.meta.glob('../../shaders/lib/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length);
const byName = new Map<string, string>();
for (const [path, code] of Object.entries(files)) byName.set(baseName(path), code);
const libs = new Map<string, string>();
for (const [path, code] of Object.entries(libFiles)) libs.set(baseName(path), code);

function expand(name: string, code: string, seen: Set<string>): string {
  return code.replace(/^\/\/!include\s+([\w-]+)\s*$/gm, (_line, lib: string) => {
    if (seen.has(lib)) return '';
    seen.add(lib);
    const src = libs.get(lib);
    if (src === undefined) throw new Error(`shader "${name}" includes "${lib}", which is not in shaders/lib/ (have: ${[...libs.keys()].join(', ')})`);
    return expand(name, src, seen);
  });
}

/** WGSL source of shaders/NAME.wgsl, with its includes expanded. */
export function shaderSource(name: string): string {
  const code = byName.get(name);
  if (code === undefined) throw new Error(`no shader named "${name}" in shaders/ (have: ${[...byName.keys()].join(', ')})`);
  return expand(name, code, new Set());
}
