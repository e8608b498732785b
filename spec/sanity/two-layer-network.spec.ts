/**
 * Sanity check from the CS231n lecture: the two-layer sigmoid network trained with plain gradient
 * descent on random data, rebuilt from this library's modules.
 *
 *   N, D_in, H, D_out = 64, 1000, 100, 10;  x, y ~ randn;  w1, w2 ~ randn (std 1, as in the lecture)
 *   h = σ(x·w1);  y_pred = h·w2;  loss = Σ (y_pred − y)²;  w ← w − 1e-4·∂loss/∂w;  2000 steps
 *
 * Differences from the lecture's numpy code, none of which changes what is tested: our layers carry
 * a bias (initialized to 0 and trained too), and weights are stored (outputs, inputs). The loss uses
 * reduction 'sum' because the lecture's learning rate 1e-4 is tuned for the summed loss.
 * The network must fit the random targets: the loss falls at least 10× from the first step to the last.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { Sigmoid } from '../../src/layers/sigmoid.ts';
import { sumOfSquaresLoss } from '../../src/losses/squared-error.ts';
import { gatherRows, minibatchSgd } from '../../src/train/minibatch.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('two-layer sigmoid network (64, 1000, 100, 10): loss falls ≥ 10× in 2000 steps at lr 1e-4', () => {
  const [batch, inputSize, hidden, outputs] = [64, 1000, 100, 10];
  const rng = new Rng(2017);
  const x = Tensor.gaussian([batch, inputSize], rng);
  const y = Tensor.gaussian([batch, outputs], rng);
  const randn = (weights: Tensor): void => {
    for (let i = 0; i < weights.size; i++) weights.data[i] = rng.gaussian(0, 1);
  };
  const layer1 = new FullyConnected({ inputShape: [inputSize], outputs: hidden, init: randn });
  const sigmoid = new Sigmoid({ inputShape: [hidden] });
  const layer2 = new FullyConnected({ inputShape: [hidden], outputs, init: randn });

  const xBatch = Tensor.zeros([batch, inputSize]);
  const yBatch = Tensor.zeros([batch, outputs]);
  const started = performance.now();
  const history = minibatchSgd({
    parameters: [...layer1.parameters(), ...layer2.parameters()],
    datasetSize: batch,
    batchSize: batch, // the lecture uses the whole (random) dataset at every step
    steps: 2000,
    learningRate: 1e-4,
    rng,
    lossAndGradients: (indices) => {
      gatherRows(x, indices, xBatch);
      gatherRows(y, indices, yBatch);
      const prediction = layer2.forward(sigmoid.forward(layer1.forward(xBatch, TRAINING), TRAINING), TRAINING);
      const { loss, scoresGrad } = sumOfSquaresLoss(prediction, yBatch, { reduction: 'sum' });
      layer1.backward(sigmoid.backward(layer2.backward(scoresGrad)), false); // x is data: no dx needed
      return loss;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const first = history[0];
  const last = history[history.length - 1];
  console.log(`two-layer network: loss ${first.toFixed(1)} → ${last.toFixed(3)} (${(first / last).toFixed(0)}×) in ${seconds.toFixed(1)} s`);
  assert.equal(history.length, 2000);
  assert.ok(history.every(Number.isFinite));
  assert.ok(first / last >= 10, `loss fell only from ${first} to ${last}`);
});
