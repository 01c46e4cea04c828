// Every WGSL kernel in shaders/, loaded as text at build time (Vite/Vitest import.meta.glob).
const files = import.meta.glob('../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const byName = new Map<string, string>();
for (const [path, code] of Object.entries(files)) {
  byName.set(path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length), code);
}

/** WGSL source of shaders/NAME.wgsl. */
export function shaderSource(name: string): string {
  const code = byName.get(name);
  if (code === undefined) throw new Error(`no shader named "${name}" in shaders/ (have: ${[...byName.keys()].join(', ')})`);
  return code;
}
