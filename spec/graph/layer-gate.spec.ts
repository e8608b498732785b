import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerGate } from '../../src/graph/layer-gate.ts';
import { type GraphNode, backward, graphParameters, variable, zeroGrad } from '../../src/graph/node.ts';
import { add, multiply, sum } from '../../src/graph/ops.ts';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import { Tanh } from '../../src/layers/tanh.ts';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(17);

test('gradcheck: layers inside a graph, tanh(fc1(x)) ⊙ fc2(x), w.r.t. x and every parameter', () => {
  const fc1 = new FullyConnected({ inputShape: [2, 2, 2], outputs: 3, rng, name: 'fc1' });
  const fc2 = new FullyConnected({ inputShape: [2, 2, 2], outputs: 3, rng, name: 'fc2' });
  fc1.bias.value.data.set([0.3, -0.2, 0.1]);
  const tanh = new Tanh({ inputShape: [3] });
  const x = variable(Tensor.gaussian([3, 2, 2, 2], rng));
  let output: GraphNode | null = null;
  const results = gradcheck({
    forward: () => (output = multiply(layerGate(tanh, layerGate(fc1, x)), layerGate(fc2, x))).value,
    backward: (outputGrad) => backward(output!, outputGrad),
    wrt: [
      { name: 'input', value: x.value, grad: () => x.grad },
      ...[fc1, fc2].flatMap((layer) =>
        layer.parameters().map((p) => ({ name: `${p.name}${layer.name.slice(2)}`, value: p.value, grad: () => p.grad }))),
    ],
    rng,
  });
  console.log(formatResults('graph layerGate', results));
  assertGradientsMatch('graph layerGate', results);
});

test('the gate keeps its own copy of the layer output', () => {
  const fc = new FullyConnected({ inputShape: [2], outputs: 2, rng });
  const first = layerGate(fc, variable(Tensor.from([1, 0], [1, 2])));
  const saved = first.value.toArray();
  fc.forward(Tensor.from([0, 1], [1, 2]), { training: true }); // overwrites the layer's buffer
  assert.deepEqual(first.value.toArray(), saved);
});

test('parameter gradients accumulate across passes; zeroGrad clears them; graphParameters lists them', () => {
  const fc = new FullyConnected({ inputShape: [3], outputs: 2, rng });
  const x = variable(Tensor.gaussian([2, 3], rng));
  const loss = sum(layerGate(fc, x));
  backward(loss);
  // d(Σ y)/db_k = N = 2 for every output k.
  assert.deepEqual(fc.bias.grad.toArray(), [2, 2]);
  backward(loss);
  assert.deepEqual(fc.bias.grad.toArray(), [4, 4]);
  assert.deepEqual(graphParameters(loss), [fc.weights, fc.bias]);
  zeroGrad(loss);
  assert.deepEqual(fc.bias.grad.toArray(), [0, 0]);
  assert.ok(fc.weights.grad.data.every((v) => v === 0));
  assert.ok(x.grad.data.every((v) => v === 0));
});

test('using one layer instance twice in a graph is rejected instead of giving wrong gradients', () => {
  const fc = new FullyConnected({ inputShape: [2], outputs: 2, rng, name: 'shared' });
  const x = variable(Tensor.gaussian([1, 2], rng));
  const loss = sum(add(layerGate(fc, x), layerGate(fc, x)));
  assert.throws(() => backward(loss), (error: Error) => error instanceof ConfigError && /layer shared was run again/.test(error.message));
});
