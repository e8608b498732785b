import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { checkLayerGradients } from '../../src/nn/gradcheck.ts';
import { INFERENCE } from '../../src/layers/layer.ts';
import { Pad } from '../../src/layers/pad.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseJsonDefinition } from '../../src/nn/definition.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** x[n, c, i, j] = 1000n + 100c + 10i + j: every value names its own position. */
function positional(shape: [number, number, number, number]): Tensor {
  const [batch, channels, height, width] = shape;
  const x = Tensor.zeros(shape);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) {
    x.data[((n * channels + c) * height + i) * width + j] = 1000 * n + 100 * c + 10 * i + j;
  }
  return x;
}

describe('Pad', () => {
  it('pads with zeros and crops by the signed amounts: top 1, bottom −1, left 0, right 2 on a 3×3 plane', () => {
    const pad = new Pad({ inputShape: [1, 3, 3], top: 1, bottom: -1, left: 0, right: 2 });
    assert.deepEqual(pad.outputShape, [1, 3, 5]);
    const y = pad.forward(positional([1, 1, 3, 3]), INFERENCE);
    assert.deepEqual(Array.from(y.data), [
      0, 0, 0, 0, 0,
      0, 1, 2, 0, 0,
      10, 11, 12, 0, 0,
    ]);
  });

  it('crops on every side (a centre crop of 2×2 from 4×4), per example and channel', () => {
    const pad = new Pad({ inputShape: [2, 4, 4], top: -1, bottom: -1, left: -1, right: -1 });
    const y = pad.forward(positional([2, 2, 4, 4]), INFERENCE);
    assert.deepEqual(Array.from(y.data), [11, 12, 21, 22, 111, 112, 121, 122, 1011, 1012, 1021, 1022, 1111, 1112, 1121, 1122]);
  });

  it('backward is the adjoint of forward: <pad(x), dy> = <x, padᵀ(dy)> for mixed pad and crop', () => {
    const rng = new Rng(3);
    const pad = new Pad({ inputShape: [3, 5, 4], top: 2, bottom: -3, left: -1, right: 1 });
    const x = Tensor.gaussian([2, 3, 5, 4], rng);
    const y = pad.forward(x, INFERENCE).clone();
    const dy = Tensor.gaussian([2, ...pad.outputShape], rng);
    const dx = pad.backward(dy);
    let left = 0;
    let right = 0;
    for (let i = 0; i < y.size; i++) left += y.data[i] * dy.data[i];
    for (let i = 0; i < x.size; i++) right += x.data[i] * dx.data[i];
    assert.ok(Math.abs(left - right) < 1e-4 * Math.max(1, Math.abs(left)), `${left} vs ${right}`);
    // A cropped pixel gets no gradient: rows 0..1 of the output are padding, input rows 3..4 are cropped.
    for (let c = 0; c < 3; c++) for (let j = 0; j < 4; j++) assert.equal(dx.data[(c * 5 + 4) * 4 + j], 0);
  });

  it('passes the numerical gradient check (the harness of `gradcheck`)', () => {
    const rng = new Rng(11);
    const pad = new Pad({ inputShape: [2, 4, 5], top: 1, bottom: -2, left: -1, right: 2 });
    const results = checkLayerGradients('pad', pad, Tensor.gaussian([3, 2, 4, 5], rng), rng, { print: false });
    assert.equal(results.length, 1);
  });

  it('refuses a crop that leaves nothing, non-integer amounts and vector input', () => {
    assert.throws(() => new Pad({ inputShape: [1, 3, 3], top: -2, bottom: -1, left: 0, right: 0 }), (e: unknown) => e instanceof ShapeError && /leaves 0x3/.test(e.message));
    assert.throws(() => new Pad({ inputShape: [1, 3, 3], top: 0.5, bottom: 0, left: 0, right: 0 }), ConfigError);
    assert.throws(() => new Pad({ inputShape: [10], top: 1, bottom: 0, left: 0, right: 0 }), ShapeError);
  });

  it("is a definition layer {type: 'pad', top, bottom, left, right}; missing sides are 0", () => {
    const definition = parseJsonDefinition([{ type: 'input', shape: [1, 4, 4] }, { type: 'pad', bottom: -1, right: -1 }, { type: 'pool', size: 3 }, { type: 'fc', units: 2 }, { type: 'softmax' }]);
    assert.deepEqual(definition[1], { type: 'pad', top: 0, bottom: -1, left: 0, right: -1 });
    const net = buildNet(definition, new Rng(1));
    assert.deepEqual(net.layers[0].outputShape, [1, 3, 3]);
    assert.deepEqual(net.layers[0].config(), { type: 'pad', name: 'pad1', top: 0, bottom: -1, left: 0, right: -1 });
    assert.throws(() => parseJsonDefinition([{ type: 'input', shape: [1, 4, 4] }, { type: 'pad', top: '1' }]), /'top' must be an integer/);
  });
});
