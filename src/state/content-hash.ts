// Content hashes (sha256, hex) with the platform's Web Crypto: a model file's, and the identity of a
// calibration set (every image's name, size and bytes in order). Reconstruction checkpoints are
// matched by these, so a file with the same name but other contents never resumes one.

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

export async function contentHash(blob: Blob): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
}

/** sha256 over name, size and bytes of each image, in order. */
export async function imageSetHash(images: readonly { name: string; blob: Blob }[]): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const im of images) {
    parts.push(enc.encode(`${im.name}\0${im.blob.size}\0`));
    parts.push(new Uint8Array(await im.blob.arrayBuffer()));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return hex(await crypto.subtle.digest('SHA-256', all));
}
