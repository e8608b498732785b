import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type GraphNode, backward, variable } from '../../src/graph/node.ts';
import { add, exp, maximum, multiply, sigmoid, sum } from '../../src/graph/ops.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(7);

/** A random shape of rank 1–3 with small dimensions. */
function randomShape(): number[] {
  const rank = 1 + rng.int(3);
  return Array.from({ length: rank }, () => 1 + rng.int(4));
}

/** Gradchecks `build(...leaves)` w.r.t. every leaf, prints the table rows, asserts the tolerance. */
function checkOp(moduleName: string, leaves: Record<string, Tensor>, build: (...nodes: GraphNode[]) => GraphNode): void {
  const nodes = Object.values(leaves).map((value) => variable(value));
  let output: GraphNode | null = null;
  const results = gradcheck({
    forward: () => (output = build(...nodes)).value,
    backward: (outputGrad) => backward(output!, outputGrad),
    wrt: Object.keys(leaves).map((name, i) => ({ name, value: nodes[i].value, grad: () => nodes[i].grad })),
    rng,
  });
  console.log(formatResults(moduleName, results));
  assertGradientsMatch(moduleName, results);
}

test('gradcheck: add', () => {
  const shape = randomShape();
  checkOp('graph add', { a: Tensor.gaussian(shape, rng), b: Tensor.gaussian(shape, rng) }, add);
});

test('gradcheck: multiply', () => {
  const shape = randomShape();
  checkOp('graph multiply', { a: Tensor.gaussian(shape, rng), b: Tensor.gaussian(shape, rng) }, multiply);
});

test('gradcheck: maximum (inputs kept ≥ 0.05 apart, away from the tie)', () => {
  const shape = [3, 4];
  const a = Tensor.gaussian(shape, rng);
  const b = Tensor.zeros(shape);
  for (let i = 0; i < a.size; i++) b.data[i] = a.data[i] + (rng.uniform() < 0.5 ? -1 : 1) * rng.uniformRange(0.05, 1);
  checkOp('graph maximum', { a, b }, maximum);
});

test('maximum routes the gradient to the larger input, and to the first on a tie', () => {
  const a = variable(Tensor.from([1, 5, 2]));
  const b = variable(Tensor.from([3, 4, 2]));
  const out = maximum(a, b);
  assert.deepEqual(out.value.toArray(), [3, 5, 2]);
  backward(out, Tensor.from([10, 20, 30]));
  assert.deepEqual(a.grad.toArray(), [0, 20, 30]);
  assert.deepEqual(b.grad.toArray(), [10, 0, 0]);
});

test('gradcheck: exp', () => {
  checkOp('graph exp', { a: Tensor.gaussian(randomShape(), rng) }, exp);
});

test('gradcheck: sigmoid', () => {
  checkOp('graph sigmoid', { a: Tensor.gaussian(randomShape(), rng, 0, 2) }, sigmoid);
});

test('sigmoid does not overflow for large |x|', () => {
  const out = sigmoid(variable(Tensor.from([-1000, 1000, 0])));
  assert.deepEqual(out.value.toArray(), [0, 1, 0.5]);
});

test('gradcheck: sum', () => {
  checkOp('graph sum', { a: Tensor.gaussian(randomShape(), rng) }, sum);
});

test('gradcheck: a composite graph that reuses its input, σ(x)·eˣ + max(x, y)', () => {
  const x = Tensor.gaussian([2, 3], rng);
  const y = Tensor.zeros([2, 3]);
  for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] + (i % 2 === 0 ? 0.3 : -0.3);
  checkOp('graph composite', { x, y }, (xNode, yNode) => add(multiply(sigmoid(xNode), exp(xNode)), maximum(xNode, yNode)));
});
