/**
 * The order in which the Trainer shows the training examples: a fresh random permutation every
 * epoch, drawn from the trainer's one Rng.
 *
 * Each image here is a single pixel whose value is its own index (index-dataset.ts), and the
 * preprocessing is the identity, so the input of every step IS the list of example indices in it.
 * The spec records those inputs (by wrapping the net's lossAndGradients) and checks, epoch by epoch:
 *   - every epoch shows each example exactly once (a permutation — with a last, shorter batch:
 *     20 examples in batches of 6 are 6 + 6 + 6 + 2);
 *   - the order changes between epochs (reshuffled after every epoch, not only the first);
 *   - the order is the one the end-of-epoch checkpoint stores for the next epoch (what a resume uses);
 *   - the same seed gives the same orders.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { decodeFloat32 } from '../../src/nn/float-codec.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { Checkpoint } from '../../src/train/trainer.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { INDEX_CLASSES, indexDataset } from './index-dataset.ts';

const COUNT = 20;
const BATCH = 6;
const EPOCHS = 4;

const train = indexDataset(COUNT);

/** Trains EPOCHS epochs from `seed`; returns the indices each epoch showed and the checkpointed orders. */
async function record(seed: number): Promise<{ epochs: number[][]; checkpointOrders: number[][]; initialOrder: number[] }> {
  const rng = new Rng(seed);
  const definition = parseCompactDefinition('fc3-softmax', [1, 1, 1]);
  const net = buildNet(definition, rng);
  const seen: number[] = [];
  const lossAndGradients = net.lossAndGradients.bind(net);
  net.lossAndGradients = (input, labels, mode) => {
    seen.push(...Array.from(input.data));
    return lossAndGradients(input, labels, mode);
  };
  const checkpointOrders: number[][] = [];
  const trainer = new Trainer({
    net, definition, classNames: INDEX_CLASSES, train, preprocessing: { mean: [0], std: [1] },
    optimizer: new Optimizer({ type: 'sgd', learningRate: 0.01 }), batchSize: BATCH, epochs: EPOCHS, rng,
    onCheckpoint: (checkpoint: Checkpoint) => checkpointOrders.push(orderOf(checkpoint)),
  });
  const initialOrder = orderOf(trainer.checkpoint(0));
  await trainer.run();
  const epochs: number[][] = [];
  for (let e = 0; e < EPOCHS; e++) epochs.push(seen.slice(e * COUNT, (e + 1) * COUNT));
  assert.equal(seen.length, EPOCHS * COUNT, 'examples shown in all');
  return { epochs, checkpointOrders, initialOrder };
}

function orderOf(checkpoint: Checkpoint): number[] {
  const bits = decodeFloat32(checkpoint.order, COUNT, 'order');
  return Array.from(new Int32Array(bits.buffer, bits.byteOffset, COUNT));
}

const identity = Array.from({ length: COUNT }, (_, i) => i);

test('every epoch shows every example exactly once, the last batch shorter', async () => {
  const { epochs } = await record(7);
  for (const [e, order] of epochs.entries()) {
    assert.deepEqual([...order].sort((a, b) => a - b), identity, `epoch ${e + 1} is a permutation of 0..${COUNT - 1}`);
  }
});

test('the order is reshuffled after every epoch, and never the identity', async () => {
  const { epochs } = await record(7);
  for (let a = 0; a < EPOCHS; a++) {
    assert.notDeepEqual(epochs[a], identity, `epoch ${a + 1} is shuffled`);
    for (let b = a + 1; b < EPOCHS; b++) {
      assert.notDeepEqual(epochs[a], epochs[b], `epochs ${a + 1} and ${b + 1} have the same order`);
    }
  }
});

test('each epoch follows the order stored in the checkpoint (the one a resume would use)', async () => {
  const { epochs, checkpointOrders, initialOrder } = await record(7);
  assert.deepEqual(epochs[0], initialOrder, 'epoch 1 uses the order drawn at construction');
  assert.equal(checkpointOrders.length, EPOCHS, 'one checkpoint per epoch');
  for (let e = 1; e < EPOCHS; e++) {
    assert.deepEqual(epochs[e], checkpointOrders[e - 1], `epoch ${e + 1} uses the order checkpointed at the end of epoch ${e}`);
  }
  assert.deepEqual([...checkpointOrders[EPOCHS - 1]].sort((a, b) => a - b), identity, 'the next order is a permutation too');
});

test('the same seed gives the same orders; another seed, others', async () => {
  assert.deepEqual((await record(7)).epochs, (await record(7)).epochs);
  assert.notDeepEqual((await record(7)).epochs, (await record(8)).epochs);
});
