/**
 * LinearClassifier (src/nn/linear-classifier.ts): the model the `linear` command trains. Its net is
 * the definition the command always used (so results keep their bits), its pieces compute
 * s = W·x + b, the chosen penalty and the SGD update, and a few steps fit separable data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { LinearClassifier } from '../../src/nn/linear-classifier.ts';
import { l1, l2 } from '../../src/regularizers/penalties.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('the net is fc(K) named scores + the loss layer, drawn like the definition the linear command always built', () => {
  const classifier = new LinearClassifier({ inputShape: [3, 4, 4], classes: 5, loss: 'svm', rng: new Rng(3) });
  const reference = buildNet([
    { type: 'input', shape: [3, 4, 4] },
    { type: 'fc', units: 5, init: { type: 'gaussian', std: 1e-3 }, name: 'scores' },
    { type: 'svm' },
  ], new Rng(3));
  assert.deepEqual(classifier.weights.shape, [5, 48]);
  assert.deepEqual(classifier.bias.shape, [5]);
  assert.equal(classifier.inputSize, 48);
  assert.deepEqual(Array.from(classifier.weights.data), Array.from(reference.parameters()[0].value.data));
  assert.equal(classifier.net.loss, 'svm');
});

test('scores = W·x + b and predict = argmax of each row', () => {
  const classifier = new LinearClassifier({ inputShape: [2], classes: 3, loss: 'softmax', rng: new Rng(1) });
  classifier.weights.data.set([1, 0, 0, 1, -1, -1]);
  classifier.bias.data.set([0, 0.5, 0]);
  const x = Tensor.from([2, 1, -1, -3, 0, 0], [3, 2]);
  assert.deepEqual(Array.from(classifier.scores(x).data), [2, 1.5, -3, -1, -2.5, 4, 0, 0.5, 0]);
  assert.deepEqual(Array.from(classifier.predict(x)), [0, 2, 1]);
});

test('the penalty is λ·R(W) on W only, with the chosen R, and its gradient is added', () => {
  for (const penalty of [l2, l1]) {
    const classifier = new LinearClassifier({ inputShape: [2], classes: 2, loss: 'svm', penalty, strength: 0.5, rng: new Rng(1) });
    classifier.weights.data.set([1, -2, 0.5, 3]);
    classifier.bias.data.set([7, 7]);
    const x = Tensor.from([0, 0], [1, 2]);
    const measured = classifier.lossAndGradients(x, [0]);
    const expected = penalty === l2 ? 0.5 * (1 + 4 + 0.25 + 9) : 0.5 * (1 + 2 + 0.5 + 3);
    assert.equal(measured.regularizationLoss, expected, penalty.name);
    assert.equal(measured.dataLoss, 1, 'equal scores: the hinge adds the margin 1');
    const [weights, bias] = classifier.parameters();
    const expectedGrad = penalty === l2 ? [1, -2, 0.5, 3] : [0.5, -0.5, 0.5, 0.5];
    assert.deepEqual(Array.from(weights.grad.data), expectedGrad, `${penalty.name}: x = 0, so dW is the penalty's alone`);
    assert.deepEqual(Array.from(bias.grad.data), [-1, 1], 'the bias gets the hinge gradient and no penalty');
  }
});

test('minibatch SGD steps fit two separable clusters', () => {
  const rng = new Rng(5);
  const classifier = new LinearClassifier({ inputShape: [2], classes: 2, loss: 'softmax', strength: 1e-3, rng });
  const x = Tensor.zeros([40, 2]);
  const labels = new Int32Array(40);
  for (let n = 0; n < 40; n++) {
    labels[n] = n % 2;
    x.data[2 * n] = (labels[n] ? 2 : -2) + rng.gaussian(0, 0.5);
    x.data[2 * n + 1] = rng.gaussian(0, 1);
  }
  const optimizer = LinearClassifier.sgd(0.5, 1);
  const first = classifier.step(x, labels, optimizer).loss;
  let last = first;
  for (let step = 0; step < 50; step++) last = classifier.step(x, labels, optimizer).loss;
  assert.ok(last < first / 4, `loss ${first} → ${last}`);
  assert.deepEqual(Array.from(classifier.predict(x)), Array.from(labels));
});

test('a negative or infinite λ, or fewer than two classes, is a ConfigError', () => {
  assert.throws(() => new LinearClassifier({ inputShape: [2], classes: 2, loss: 'svm', strength: -1, rng: new Rng(1) }), ConfigError);
  assert.throws(() => new LinearClassifier({ inputShape: [2], classes: 2, loss: 'svm', strength: Infinity, rng: new Rng(1) }), ConfigError);
  assert.throws(() => new LinearClassifier({ inputShape: [2], classes: 1, loss: 'svm', rng: new Rng(1) }), /at least 2 classes/);
});
