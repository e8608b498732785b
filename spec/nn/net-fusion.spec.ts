import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseDefinition } from '../../src/nn/definition.ts';
import type { Net } from '../../src/nn/net.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { TRAINING } from '../../src/tensor/forward-mode.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

// Net runs a batchnorm directly followed by a relu as one fused step in training (src/nn/net.ts).
// The fusion promises the bits of the two layers run one after the other: these specs train the same
// net with fusion on and off and compare everything a step produces.

const DEFINITION = 'conv3x3x4p1-bn-relu-pool2-conv3x3x4p1-bn-lrelu0.1-fc8-bn-relu-fc3-softmax';

function twinNets(): [Net, Net] {
  const build = () => buildNet(parseDefinition(DEFINITION, [3, 8, 8]), new Rng(5));
  const fused = build();
  const separate = build();
  separate.fusion = false;
  return [fused, separate];
}

/** Every parameter's gradient and every buffer (running statistics), as bit patterns. */
function state(net: Net): Uint32Array[] {
  const tensors = [
    ...net.parameters().map((parameter) => parameter.grad),
    ...net.layers.flatMap((layer) => layer.buffers?.().map((buffer) => buffer.value) ?? []),
  ];
  return tensors.map((tensor) => new Uint32Array(tensor.data.slice().buffer));
}

const bits = (tensor: Tensor) => new Uint32Array(tensor.data.slice().buffer);

test('a fused batchnorm + relu trains with the bits of the separate layers, on every tier', () => {
  const before = kernelTier();
  try {
    for (const tier of KERNEL_TIERS) {
      setKernelTier(tier);
      const [fused, separate] = twinNets();
      const rng = new Rng(9);
      for (let step = 0; step < 3; step++) {
        const input = Tensor.uniform([6, 3, 8, 8], rng, -1, 1);
        const labels = Int32Array.from({ length: 6 }, () => rng.int(3));
        fused.zeroGrad();
        separate.zeroGrad();
        const a = fused.lossAndGradients(input, labels, TRAINING);
        const b = separate.lossAndGradients(input, labels, TRAINING);
        assert.equal(a.loss, b.loss, `${tier} step ${step}: loss`);
        assert.deepEqual(bits(a.logits), bits(b.logits), `${tier} step ${step}: logits`);
        assert.deepEqual(state(fused), state(separate), `${tier} step ${step}: gradients and running statistics`);
      }
    }
  } finally {
    setKernelTier(before);
  }
});

test('backwardFrom after a partial forward: fused only when the relu ran too', () => {
  const [fused, separate] = twinNets();
  const input = Tensor.uniform([4, 3, 8, 8], new Rng(3), -1, 1);
  // upTo 2 stops after bn1 (no fusion possible), 3 after relu1, 6 after bn2 (not fused: a leaky relu follows), 10 after relu2.
  for (const upTo of [2, 3, 6, 10]) {
    const outputs = [fused, separate].map((net) => bits(net.forward(input, TRAINING, upTo)));
    assert.deepEqual(outputs[0], outputs[1], `forward to ${upTo}`);
    const shape = [4, ...fused.layers[upTo - 1].outputShape];
    const grad = Tensor.uniform(shape, new Rng(upTo), -1, 1);
    const inputGrads = [fused, separate].map((net) => {
      net.zeroGrad();
      return bits(net.backwardFrom(grad, upTo));
    });
    assert.deepEqual(inputGrads[0], inputGrads[1], `dL/dx from layer ${upTo}`);
    assert.deepEqual(state(fused), state(separate), `parameter gradients from layer ${upTo}`);
  }
});

test('the fusion really runs: the relu layers after batch norms are not called in training, and are in inference', () => {
  const [fused] = twinNets();
  const calls: string[] = [];
  for (const layer of fused.layers) {
    const forward = layer.forward.bind(layer);
    layer.forward = (input, mode) => {
      calls.push(layer.name);
      return forward(input, mode);
    };
  }
  const input = Tensor.uniform([2, 3, 8, 8], new Rng(1), -1, 1);
  fused.lossAndGradients(input, [0, 1], TRAINING);
  // bn1 and bn3 run fused (their relus are not called); bn2 is followed by a leaky relu: not fused.
  assert.deepEqual(calls, ['conv1', 'pool1', 'conv2', 'bn2', 'lrelu1', 'fc1', 'fc2']);
  calls.length = 0;
  fused.predict(input);
  assert.deepEqual(calls, fused.layers.map((layer) => layer.name), 'inference runs every layer');
});
