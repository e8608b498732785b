/**
 * Example 4 — the linear classifier s = W·x + b on CIFAR-10's raw pixels (about 40 % after 10 epochs).
 *
 * Pixels are standardized per channel; W (10, 3072) starts at N(0, 1e-6); softmax loss + λ·ΣW²
 * (λ = 0.01); minibatch SGD, batch 200, η = 0.01 decayed ×0.8 per epoch — what `npx tsx src/cli.ts
 * linear` runs. Finds CIFAR-10 in $CIFAR10_PATH, ./datasets/ or ../shared/datasets/cifar10/.
 * Run it: npx tsx src/examples/cifar10-linear.ts    Read next: src/nn/linear-classifier.ts, src/losses/
 */
import { fileURLToPath } from 'node:url';
import { LinearClassifier, Rng, Trainer, channelStatistics, evaluate, findCifar10, l2, loadCifar10 } from '../node.ts';

export async function cifar10Linear(options: { epochs?: number; trainLimit?: number; testLimit?: number } = {}): Promise<number> {
  const location = findCifar10();
  if (location === null) throw new Error('CIFAR-10 not found: set CIFAR10_PATH (see datasets/README.md)');
  const { train, test } = await loadCifar10(location, { trainLimit: options.trainLimit, testLimit: options.testLimit });
  const rng = new Rng(1);
  const classifier = new LinearClassifier({
    inputShape: [3, 32, 32], classes: 10, loss: 'softmax', penalty: l2, strength: 0.01, rng,
  });
  const preprocessing = channelStatistics(train); // mean and std of each colour channel
  const trainer = new Trainer({
    net: classifier.net, definition: classifier.definition, classNames: [...train.classNames], train, preprocessing,
    optimizer: LinearClassifier.sgd(0.01, 0.8), regularize: classifier.regularize,
    batchSize: 200, epochs: options.epochs ?? 10, rng,
    onMetrics: (line) => { if (line.kind === 'epoch') console.log(`epoch ${line.epoch}: train loss ${line.trainLoss.toFixed(3)}`); },
  });
  await trainer.run();
  return evaluate(classifier.net, test, preprocessing).accuracy; // fraction of test images right
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`test accuracy ${(100 * (await cifar10Linear())).toFixed(2)} %`);
}
