// Bad input gets a specific StudioError naming the file, the node and what to do.
import { describe, expect, it } from 'vitest';
import { onnx } from '../onnx/proto/onnx';
import { Session } from './session';
import { StudioError } from './errors';
import { Gpu, GpuUnavailableError } from '../gpu/gpu';
import { testGpu } from '../test/helpers';

type NodeSpec = { op: string; name: string; inputs: string[]; outputs: string[]; domain?: string };

/** A small float model: input x [dims], the given nodes, output y. */
function model(nodes: NodeSpec[], dims: (number | string)[], init: onnx.ITensorProto[] = []): Uint8Array {
  const shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: nodes.map((n) => ({ opType: n.op, name: n.name, input: n.inputs, output: n.outputs, domain: n.domain ?? '' })),
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      initializer: init,
    },
  }).finish();
}

async function loadError(bytes: Uint8Array, file = 'bad.onnx'): Promise<StudioError> {
  try {
    await Session.load(await testGpu(), bytes, file);
  } catch (e) {
    return e as StudioError;
  }
  throw new Error('expected the model to be rejected');
}

describe('bad models', () => {
  it('lists every unsupported op with its node name at once', async () => {
    const e = await loadError(
      model(
        [
          { op: 'Relu', name: 'ok', inputs: ['x'], outputs: ['a'] },
          { op: 'Hardmax', name: 'hardmax_1', inputs: ['a'], outputs: ['b'] },
          { op: 'Einsum', name: 'einsum_1', inputs: ['b'], outputs: ['c'] },
          { op: 'MyOp', name: 'custom_1', inputs: ['c'], outputs: ['y'], domain: 'com.example' },
        ],
        [1, 4],
      ),
    );
    expect(e.code).toBe('unsupported-ops');
    for (const s of ['bad.onnx', 'Hardmax (node "hardmax_1")', 'Einsum (node "einsum_1")', 'com.example.MyOp (node "custom_1")']) expect(e.message).toContain(s);
    expect(e.message).not.toContain('"ok"');
  });

  it('rejects external-data tensors, naming the data file and what to do', async () => {
    const w: onnx.ITensorProto = {
      name: 'w',
      dataType: 1,
      dims: [4],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: 'weights.bin' }],
    };
    const e = await loadError(model([{ op: 'Add', name: 'add', inputs: ['x', 'w'], outputs: ['y'] }], [1, 4], [w]));
    expect(e.code).toBe('external-data');
    expect(e.message).toContain('weights.bin');
    expect(e.message).toContain('save_as_external_data=False');
  });

  it('says which input dimension cannot be resolved', async () => {
    const s = await Session.load(await testGpu(), model([{ op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'] }], ['N', 3, 'H', 'W']), 'sym.onnx');
    let e: StudioError | undefined;
    try {
      s.inputShapeOf('x', 1);
    } catch (err) {
      e = err as StudioError;
    }
    expect(e?.code).toBe('unresolved-shape');
    expect(e?.message).toContain('dimension 2 ("H")');
  });

  it('names the node whose shapes do not fit', async () => {
    const shape: onnx.ITensorProto = { name: 's', dataType: 7, dims: [2], int64Data: [5, 5] };
    const e = await loadError(model([{ op: 'Reshape', name: 'reshape_7', inputs: ['x', 's'], outputs: ['y'] }], [1, 4], [shape]));
    expect(e.code).toBe('unresolved-shape');
    expect(e.message).toContain('Reshape node "reshape_7"');
  });

  it('rejects a feed of the wrong shape with the expected one', async () => {
    const s = await Session.load(await testGpu(), model([{ op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'] }], ['N', 3, 8, 8]), 'm.onnx');
    await expect(s.run({ x: { data: new Float32Array(3 * 4 * 4), shape: [1, 3, 4, 4] } })).rejects.toThrow(/expects shape \[N, 3, 8, 8\], got \[1, 3, 4, 4\]/);
  });
});

describe('no WebGPU', () => {
  it('says which browser or flag is needed', async () => {
    await expect(Gpu.create(undefined)).rejects.toThrow(GpuUnavailableError);
    await expect(Gpu.create(undefined)).rejects.toThrow(/Chrome or Edge 113\+.*--enable-unsafe-webgpu/);
  });

  it('says what to do when WebGPU gives no adapter', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    await expect(Gpu.create(noAdapter)).rejects.toThrow(/no adapter.*chrome:\/\/gpu/);
  });
});
