import { it } from 'vitest';
import path from 'node:path';
import { testGpu } from '../test/helpers';
import { conformanceDirs, runConformanceTest } from './conformance';
import { sharedDir } from '../data/test-paths';
it('qdq cases', async () => {
  const gpu = await testGpu();
  const dirs = conformanceDirs(path.join(sharedDir, 'conformance/onnx-node-v1.22.0')).filter((d) => /quantizelinear/.test(d));
  for (const d of dirs) { const r = await runConformanceTest(gpu, d); console.log(r.status, r.name, r.reason ?? ''); }
}, 600000);
