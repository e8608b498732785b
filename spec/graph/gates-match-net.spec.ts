/**
 * The gate graph and the layered Net compute the same thing. The linear classifier and the two-layer
 * net are written twice — as a Net (fully connected layers on a blocked GEMM, the loss layer) and as a
 * graph of textbook gates (matmul, transpose, addBias, relu, and the loss and penalty gates) sharing
 * the very same weight tensors — and must give the same loss and the same gradient for every weight.
 *
 * Bound. Both paths store every intermediate as float32, whose unit roundoff is u = 2⁻²⁴ ≈ 6e-8, but
 * they sum in different orders (GEMM blocks versus one float64 loop per element) and round at
 * different places. Each value here is a sum of at most 16 products of O(1) numbers, passed through at
 * most 6 stored stages (scores, hidden layer, loss gradient, two backward products, the penalty), so
 * the two results can differ by about 16 · 6 · u · max|value| ≈ 6e-6 · max|value|. The spec asserts
 *   |graph − net| ≤ 1e-5 · max(1, |graph|, |net|)
 * for the loss and for every gradient element (the largest seen is 5e-8). A real mistake — a
 * transposed weight, a missing bias gradient, a ReLU that passes negative inputs — makes errors of
 * order 1e-2 to 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addBias, matmul, transpose } from '../../src/graph/matrix-ops.ts';
import { backward, variable } from '../../src/graph/node.ts';
import type { GraphNode } from '../../src/graph/node.ts';
import { add, relu } from '../../src/graph/ops.ts';
import { penaltyGate, softmaxLossGate, svmLossGate } from '../../src/graph/loss-gates.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { LinearClassifier } from '../../src/nn/linear-classifier.ts';
import type { LossKind } from '../../src/nn/net.ts';
import { elasticNet, l1, l2 } from '../../src/regularizers/penalties.ts';
import type { Penalty } from '../../src/regularizers/penalties.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const BOUND = 1e-5;

function assertClose(graph: ArrayLike<number>, net: ArrayLike<number>, label: string): number {
  assert.equal(graph.length, net.length, `${label}: length`);
  let worst = 0;
  for (let i = 0; i < graph.length; i++) {
    const error = Math.abs(graph[i] - net[i]) / Math.max(1, Math.abs(graph[i]), Math.abs(net[i]));
    assert.ok(error <= BOUND, `${label}[${i}]: graph ${graph[i]}, Net ${net[i]} (error ${error.toExponential(2)} > ${BOUND})`);
    worst = Math.max(worst, error);
  }
  return worst;
}

function lossGate(kind: LossKind, scores: GraphNode, labels: Int32Array): GraphNode {
  return kind === 'softmax' ? softmaxLossGate(scores, labels) : svmLossGate(scores, labels);
}

function randomBatch(rng: Rng, batch: number, inputs: number, classes: number): { x: Tensor; labels: Int32Array } {
  const x = Tensor.gaussian([batch, inputs], rng);
  const labels = new Int32Array(batch);
  for (let n = 0; n < batch; n++) labels[n] = rng.int(classes);
  return { x, labels };
}

const LINEAR_CASES: Array<{ loss: LossKind; penalty: Penalty; strength: number }> = [
  { loss: 'softmax', penalty: l2, strength: 0.1 },
  { loss: 'svm', penalty: l2, strength: 0.1 },
  { loss: 'svm', penalty: l1, strength: 0.05 },
  { loss: 'softmax', penalty: elasticNet(0.5), strength: 0.05 },
];

for (const { loss, penalty, strength } of LINEAR_CASES) {
  test(`linear classifier (${loss}, ${penalty.name}): s = x·Wᵀ + b as gates gives the Net's loss and dW, db`, () => {
    const rng = new Rng(7);
    const [batch, inputs, classes] = [6, 12, 4];
    // Weights of std 0.3 so that the scores spread and the hinge has active and inactive margins.
    const classifier = new LinearClassifier({ inputShape: [inputs], classes, loss, penalty, strength, initStd: 0.3, rng });
    for (let i = 0; i < classifier.bias.size; i++) classifier.bias.data[i] = rng.gaussian(0, 0.3);
    const { x, labels } = randomBatch(rng, batch, inputs, classes);

    const measured = classifier.lossAndGradients(x, labels);
    const [weights, bias] = classifier.parameters();

    const W = variable(weights.value);
    const b = variable(bias.value);
    const scores = addBias(matmul(variable(x), transpose(W)), b);
    const total = add(lossGate(loss, scores, labels), penaltyGate(W, penalty, strength));
    backward(total);

    assertClose([total.value.data[0]], [measured.loss], 'loss');
    assertClose(W.grad.data, weights.grad.data, 'dW');
    assertClose(b.grad.data, bias.grad.data, 'db');
    assert.ok(measured.regularizationLoss > 0, 'the penalty took part');
  });
}

for (const loss of ['softmax', 'svm'] as const) {
  test(`two-layer net fc-relu-fc-${loss} as gates gives the Net's loss and every gradient`, () => {
    const rng = new Rng(11);
    const [batch, inputs, hidden, classes] = [5, 8, 16, 3];
    const net = buildNet([
      { type: 'input', shape: [inputs] },
      { type: 'fc', units: hidden },
      { type: 'relu' },
      { type: 'fc', units: classes },
      { type: loss },
    ], rng);
    const [W1, b1, W2, b2] = net.parameters();
    for (const bias of [b1, b2]) for (let i = 0; i < bias.value.size; i++) bias.value.data[i] = rng.gaussian(0, 0.3);
    const { x, labels } = randomBatch(rng, batch, inputs, classes);

    net.zeroGrad();
    const { loss: netLoss } = net.lossAndGradients(x, labels);

    const nodes = [W1, b1, W2, b2].map((p) => variable(p.value));
    const [w1, c1, w2, c2] = nodes;
    const h = relu(addBias(matmul(variable(x), transpose(w1)), c1));
    const scores = addBias(matmul(h, transpose(w2)), c2);
    const total = lossGate(loss, scores, labels);
    backward(total);

    const active = h.value.data.filter((v) => v > 0).length;
    assert.ok(active > 0 && active < h.value.size, `the ReLU both passes and blocks (${active} of ${h.value.size} active)`);
    assertClose([total.value.data[0]], [netLoss], 'loss');
    [W1, b1, W2, b2].forEach((p, i) => assertClose(nodes[i].grad.data, p.grad.data, `layer ${i < 2 ? 1 : 2} ${p.name}`));
  });
}
