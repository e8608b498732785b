/**
 * Every example of src/examples/ runs, with small limits, and computes what its header says. The
 * examples must also stay examples: under 40 lines, importing only the public API (src/index.ts,
 * src/node.ts) and node:* built-ins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { circuit } from '../../src/examples/circuit.ts';
import { trainSpiral } from '../../src/examples/spiral-two-layer.ts';
import { gradcheckConv } from '../../src/examples/gradcheck-layer.ts';
import { cifar10Linear } from '../../src/examples/cifar10-linear.ts';
import { findCifar10 } from '../../src/data/cifar10.ts';
import { LinearClassifier } from '../../src/nn/linear-classifier.ts';
import { TOLERANCE } from '../../src/nn/gradcheck.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { spiral } from '../../src/data/toy2d.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const EXAMPLES = fileURLToPath(new URL('../../src/examples/', import.meta.url));

test('examples are short and use only the public API', () => {
  const files = fs.readdirSync(EXAMPLES).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length >= 4, `expected the four examples, found ${files.join(', ')}`);
  for (const name of files) {
    const source = fs.readFileSync(EXAMPLES + name, 'utf8');
    const lines = source.trimEnd().split('\n').length;
    assert.ok(lines < 40, `${name}: ${lines} lines, an example must stay under 40`);
    for (const match of source.matchAll(/from '([^']+)'/g)) {
      assert.ok(['../index.ts', '../node.ts'].includes(match[1]) || match[1].startsWith('node:'), `${name} imports ${match[1]}, not the public API`);
    }
  }
});

test('circuit: f = (x + y)·z at (−2, 5, −4) is −12 with gradient (−4, −4, 3)', () => {
  assert.deepEqual(circuit(), { f: -12, dfdx: -4, dfdy: -4, dfdz: 3 });
  assert.deepEqual(circuit(1, 2, 3), { f: 9, dfdx: 3, dfdy: 3, dfdz: 3 });
});

test('spiral: 300 steps of the two-layer net classify ≥ 90 % of the points, where a linear classifier cannot', () => {
  const { firstLoss, lastLoss, accuracy } = trainSpiral(300);
  assert.ok(lastLoss < firstLoss / 2, `loss ${firstLoss} → ${lastLoss}`);
  assert.ok(accuracy >= 0.9, `two-layer accuracy ${accuracy}`);
  // The same data, the same budget, no hidden layer: the arms are not linearly separable.
  const rng = new Rng(1);
  const data = spiral(rng, { arms: 3, pointsPerArm: 100 });
  const x = Tensor.from(data.points, [data.count, 2]);
  const linear = new LinearClassifier({ inputShape: [2], classes: 3, loss: 'softmax', strength: 1e-3, initStd: 0.01, rng });
  const optimizer = new Optimizer({ type: 'sgd', learningRate: 1 });
  for (let step = 0; step < 300; step++) linear.step(x, data.labels, optimizer);
  const predictions = linear.predict(x);
  const linearAccuracy = predictions.filter((p, n) => p === data.labels[n]).length / data.count;
  assert.ok(linearAccuracy < 0.65, `linear accuracy ${linearAccuracy}`);
});

test('gradient check of a convolution: naive and implicit-GEMM backward passes agree with centred differences', () => {
  for (const implementation of ['naive', 'implicit-gemm'] as const) {
    const results = gradcheckConv(implementation);
    assert.deepEqual(results.map((r) => r.name), ['input', 'weights', 'bias']);
    for (const r of results) assert.ok(r.maxError <= TOLERANCE, `${implementation} ${r.name}: error ${r.maxError}`);
  }
});

const cifar = (() => {
  try {
    return findCifar10();
  } catch (error) {
    return `${(error as Error).message}`;
  }
})();
const cifarMissing = cifar === null ? 'CIFAR-10 not found (set CIFAR10_PATH or provide ../shared/datasets/cifar10)' : cifar.startsWith('CIFAR-10 not found') ? cifar : undefined;

test('CIFAR-10 linear classifier: one epoch on 2,000 images beats chance (10 %) on 1,000 test images', { skip: cifarMissing }, async () => {
  const accuracy = await cifar10Linear({ epochs: 1, trainLimit: 2000, testLimit: 1000 });
  assert.ok(accuracy > 0.2, `test accuracy ${accuracy}`);
});
