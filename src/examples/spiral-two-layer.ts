/**
 * Example 2 — a two-layer net on the spiral (CS231n, "minimal neural network case study").
 *
 * Three arms of 100 points in the plane: no straight line separates them (a linear classifier gets
 * about half right), but one hidden layer of 100 ReLUs does:
 *   scores = W2·max(0, W1·x + b1) + b2;   loss = softmax cross-entropy + λ·(ΣW1² + ΣW2²)
 * trained by full-batch gradient descent (the data is only 300 points), η = 1, λ = 1e-3.
 * Run it: npx tsx src/examples/spiral-two-layer.ts     Read next: src/nn/net.ts, src/layers/fully-connected.ts
 */
import { fileURLToPath } from 'node:url';
import { Optimizer, Rng, Tensor, argmax, buildNet, l2, regularize, spiral } from '../index.ts';

export function trainSpiral(steps = 2000, seed = 1): { firstLoss: number; lastLoss: number; accuracy: number } {
  const rng = new Rng(seed);
  const data = spiral(rng, { arms: 3, pointsPerArm: 100 });
  const x = Tensor.from(data.points, [data.count, 2]); // (N, D) = (300, 2)
  const net = buildNet([
    { type: 'input', shape: [2] },
    { type: 'fc', units: 100 }, { type: 'relu' },
    { type: 'fc', units: 3 }, { type: 'softmax' },
  ], rng);
  const optimizer = new Optimizer({ type: 'sgd', learningRate: 1 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    net.zeroGrad(); // gradients accumulate, so they are cleared before every step
    const { loss } = net.lossAndGradients(x, data.labels); // forward + backward of the data loss
    losses.push(loss + regularize(net.parameters(), l2, 1e-3)); // adds λ·dR/dW into the gradients
    optimizer.step(net.parameters()); // W ← W − η·dL/dW
  }
  const scores = net.predict(x);
  let correct = 0;
  for (let n = 0; n < data.count; n++) if (argmax(scores.data, 3 * n, 3) === data.labels[n]) correct++;
  return { firstLoss: losses[0], lastLoss: losses[losses.length - 1], accuracy: correct / data.count };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(trainSpiral());
