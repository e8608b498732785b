/**
 * Evaluation: run a net in inference mode over a dataset in batches and collect what people look at
 * — accuracy, mean loss, the confusion matrix and each example's top-k classes. The dataset is an
 * image dataset or plain (N, D) features (training-data.ts).
 */
import { INFERENCE } from '../tensor/forward-mode.ts';
import type { Net } from '../nn/net.ts';
import type { Preprocessing } from '../nn/model-file.ts';
import { Tensor, reuseFloat32, shapeSize } from '../tensor/tensor.ts';
import { argmax } from '../tensor/argmax.ts';
import { type TrainingData, exampleShape, fillBatch } from './training-data.ts';

export interface Evaluation {
  /** Fraction of examples whose highest-scoring class is the true class. */
  accuracy: number;
  /** Mean cross-entropy −ln p(true class) for softmax nets; NaN for svm nets. */
  loss: number;
  count: number;
  /** confusion[trueClass * classes + predictedClass] = number of examples. */
  confusion: Int32Array;
  /** Predicted class of every example. */
  predictions: Int32Array;
  /** Top-k classes and their probabilities (or scores) per example, when requested. */
  topK?: { classes: Int32Array; scores: Float32Array; k: number };
}

/**
 * Evaluates `net` on `dataset` (every example, in order, or the first `limit`). Image batches of
 * `batchSize` are converted from uint8 with `preprocessing`; feature rows are used as they are.
 * Pass `topK` > 0 to keep each example's k best classes. `inputMemory`, when it holds a batch
 * (batchSize × the example size, float32), receives the input batches instead of new memory (its
 * contents are overwritten): a trainer evaluating every epoch passes its own batch buffer.
 */
export function evaluate(
  net: Net,
  dataset: TrainingData,
  preprocessing: Preprocessing | undefined,
  options: { batchSize?: number; topK?: number; limit?: number; inputMemory?: Float32Array } = {},
): Evaluation {
  const classes = net.classes;
  const count = Math.min(dataset.count, options.limit ?? dataset.count);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, count));
  const k = Math.min(options.topK ?? 0, classes);
  const confusion = new Int32Array(classes * classes);
  const predictions = new Int32Array(count);
  const topK = k > 0 ? { classes: new Int32Array(count * k), scores: new Float32Array(count * k), k } : undefined;
  const indices = new Int32Array(batchSize);
  let correct = 0;
  let lossSum = 0;
  const shape = exampleShape(dataset);
  const exampleSize = shapeSize(shape);
  let input = new Tensor(reuseFloat32(options.inputMemory ?? null, batchSize * exampleSize), [batchSize, ...shape]);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    if (size !== input.shape[0]) input = new Tensor(reuseFloat32(input.data, size * exampleSize), [size, ...shape]); // the last, smaller batch
    for (let i = 0; i < size; i++) indices[i] = start + i;
    fillBatch(dataset, indices.subarray(0, size), input.data, preprocessing);
    const output = net.forward(input.reshape([size, ...net.inputShape]), INFERENCE).data;
    for (let i = 0; i < size; i++) {
      const row = output.subarray(i * classes, (i + 1) * classes);
      const best = argmax(row);
      const truth = dataset.labels[start + i];
      predictions[start + i] = best;
      confusion[truth * classes + best]++;
      if (best === truth) correct++;
      if (net.loss === 'softmax') lossSum += -Math.log(Math.max(row[truth], 1e-30));
      if (topK) {
        const order = Array.from({ length: classes }, (_, c) => c).sort((a, b) => row[b] - row[a] || a - b);
        for (let j = 0; j < k; j++) {
          topK.classes[(start + i) * k + j] = order[j];
          topK.scores[(start + i) * k + j] = row[order[j]];
        }
      }
    }
  }
  return {
    accuracy: count > 0 ? correct / count : 0,
    loss: net.loss === 'softmax' && count > 0 ? lossSum / count : Number.NaN,
    count,
    confusion,
    predictions,
    ...(topK ? { topK } : {}),
  };
}
