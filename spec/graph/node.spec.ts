import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, graphParameters, topologicalOrder, variable, zeroGrad } from '../../src/graph/node.ts';
import { add, multiply, sigmoid, sum } from '../../src/graph/ops.ts';
import { ShapeError } from '../../src/errors.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('f(x, y, z) = (x + y)·z at x = -2, y = 5, z = -4: exact value and gradients', () => {
  const x = variable(-2);
  const y = variable(5);
  const z = variable(-4);
  const q = add(x, y);
  const f = multiply(q, z);
  backward(f);
  assert.equal(f.value.data[0], -12);
  assert.equal(q.grad.data[0], -4); // df/dq = z
  assert.equal(x.grad.data[0], -4); // df/dx = df/dq · dq/dx = z · 1
  assert.equal(y.grad.data[0], -4);
  assert.equal(z.grad.data[0], 3); // df/dz = q
});

test('a value used twice receives the sum of both gradients', () => {
  // f = x·x → df/dx = 2x (both inputs of the multiply are x).
  const x = variable(3);
  backward(multiply(x, x));
  assert.equal(x.grad.data[0], 6);

  // f = (x + x)·w: x feeds the add twice → df/dx = 2w.
  const x2 = variable(1.5);
  const w = variable(-2);
  backward(multiply(add(x2, x2), w));
  assert.equal(x2.grad.data[0], -4);
  assert.equal(w.grad.data[0], 3);

  // x feeding two separate branches joined later: f = x·a + x·b → df/dx = a + b.
  const x3 = variable(2);
  const a = variable(5);
  const b = variable(-7);
  backward(add(multiply(x3, a), multiply(x3, b)));
  assert.equal(x3.grad.data[0], -2);
});

test('sigmoid neuron σ(w0·x0 + w1·x1 + w2) matches the analytic gradient (1 − σ)σ·input', () => {
  const w = [2, -3, -3].map((value) => variable(value));
  const x = [-1, -2].map((value) => variable(value));
  const dot = add(add(multiply(w[0], x[0]), multiply(w[1], x[1])), w[2]);
  const f = sigmoid(dot);
  backward(f);

  const z = 2 * -1 + -3 * -2 + -3; // = 1
  const s = 1 / (1 + Math.exp(-z));
  const local = (1 - s) * s;
  assert.ok(Math.abs(f.value.data[0] - s) < 1e-6);
  const expected = {
    w0: local * -1, w1: local * -2, w2: local * 1,
    x0: local * 2, x1: local * -3,
  };
  const actual = { w0: w[0].grad.data[0], w1: w[1].grad.data[0], w2: w[2].grad.data[0], x0: x[0].grad.data[0], x1: x[1].grad.data[0] };
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    assert.ok(Math.abs(actual[key] - expected[key]) < 1e-6, `${key}: ${actual[key]} vs ${expected[key]}`);
  }
  // The lecture's rounded values: w grads ≈ [-0.20, -0.39, 0.20], x grads ≈ [0.39, -0.59].
  assert.equal(actual.w1.toFixed(2), '-0.39');
  assert.equal(actual.x1.toFixed(2), '-0.59');
});

test('leaf gradients accumulate over backward calls; interior ones are per pass; zeroGrad resets', () => {
  const x = variable(Tensor.from([1, 2, 3]));
  const y = variable(Tensor.from([4, 5, 6]));
  const f = sum(multiply(x, y));
  backward(f);
  assert.deepEqual(x.grad.toArray(), [4, 5, 6]);
  backward(f);
  // Twice the single-pass gradient (not three times: interior grads were reset before the second pass).
  assert.deepEqual(x.grad.toArray(), [8, 10, 12]);
  assert.deepEqual(y.grad.toArray(), [2, 4, 6]);
  zeroGrad(f);
  assert.deepEqual(x.grad.toArray(), [0, 0, 0]);
  assert.deepEqual(f.grad.toArray(), [0]);
});

test('topological order puts every node after its inputs, each node once', () => {
  const x = variable(1);
  const y = variable(2);
  const q = add(x, y);
  const f = multiply(q, add(q, x));
  const order = topologicalOrder(f);
  assert.equal(order.length, 5); // x, y, q, q + x, f
  assert.equal(new Set(order).size, order.length);
  for (const node of order) {
    for (const input of node.inputs) assert.ok(order.indexOf(input) < order.indexOf(node), `${input.op} before ${node.op}`);
  }
  assert.equal(order[order.length - 1], f);
  assert.deepEqual(graphParameters(f), []);
});

test('deep chains do not overflow the stack', () => {
  const x = variable(0.5);
  let node = x;
  for (let i = 0; i < 20000; i++) node = add(node, variable(0));
  backward(node);
  assert.equal(x.grad.data[0], 1);
});

test('backward needs a scalar root or a seed of the root shape', () => {
  const x = variable(Tensor.from([1, 2]));
  const y = multiply(x, x);
  assert.throws(() => backward(y), ShapeError);
  assert.throws(() => backward(y, Tensor.from([1, 2, 3])), /seed \(3\) does not match/);
  backward(y, Tensor.from([1, -1]));
  assert.deepEqual(x.grad.toArray(), [2, -4]);
});

test('elementwise ops reject mismatched shapes, naming the op', () => {
  assert.throws(() => add(variable(Tensor.zeros([2, 3])), variable(Tensor.zeros([3, 2]))), /graph add: .*\(2, 3\) and \(3, 2\)/);
  assert.throws(() => multiply(variable(Tensor.zeros([2])), variable(1)), ShapeError);
});
