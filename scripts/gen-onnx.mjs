// Generates the protobufjs static decoder/encoder (src/onnx/proto/onnx.js + onnx.d.ts) from
// src/onnx/proto/onnx.proto. Run with `npm run gen:onnx`; never edit the generated files.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'src/onnx/proto');
const bin = (n) => path.join(root, 'node_modules/.bin', n);
execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--no-verify', '--no-delimited', '--no-service',
  '-o', path.join(dir, 'onnx.js'), path.join(dir, 'onnx.proto')], { stdio: 'inherit' });
execFileSync(bin('pbts'), ['--no-comments', '-o', path.join(dir, 'onnx.d.ts'), path.join(dir, 'onnx.js')], { stdio: 'inherit' });
console.log('wrote src/onnx/proto/onnx.js and onnx.d.ts');
