/**
 * Softmax cross-entropy loss (the softmax classifier's loss).
 *
 * scores s: (N, C), labels y: N class indices in [0, C).
 *   p[n, j] = exp(s[n, j] − m_n) / Σ_k exp(s[n, k] − m_n),     m_n = max_k s[n, k]
 *   L_n = −log p[n, y_n] = log Σ_k exp(s[n, k] − m_n) − (s[n, y_n] − m_n)
 *   L   = (1/N) Σ_n L_n
 *
 * Numerical stability: subtracting the row maximum m_n leaves p unchanged but keeps every exponent
 * ≤ 0 (no overflow), and computing −log p_y from the log-sum-exp form above never takes log(0) even
 * when p_y underflows to 0 in float32.
 *
 * Gradient: dL/ds[n, j] = (p[n, j] − 1{j = y_n}) / N — the probabilities minus the one-hot target.
 * Sanity value: all-zero scores give p = 1/C everywhere, so L = ln C.
 */
import { Tensor } from '../tensor/tensor.ts';
import { type Labels, checkScoresAndLabels, sameShapeOrNew } from './labels.ts';
import type { ClassificationLoss } from './svm.ts';

export interface SoftmaxLoss extends ClassificationLoss {
  /** p, (N, C): each row sums to 1. A new tensor on each call, unless `reuse` gave one. */
  probabilities: Tensor;
}

/**
 * Softmax cross-entropy of scores (N, C) against labels (N); see the formulas above.
 * `reuse`: the result of an earlier call; its tensors are overwritten and returned when they have
 * the shape of `scores` (what a training loop passes, so that a step allocates nothing).
 */
export function softmaxCrossEntropyLoss(scores: Tensor, labels: Labels, reuse?: SoftmaxLoss): SoftmaxLoss {
  const { batch, classes } = checkScoresAndLabels(scores, labels, 'softmaxCrossEntropyLoss');
  const s = scores.data;
  const probabilities = sameShapeOrNew(reuse?.probabilities, scores);
  const scoresGrad = sameShapeOrNew(reuse?.scoresGrad, scores);
  const p = probabilities.data;
  const ds = scoresGrad.data;
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let max = -Infinity;
    for (let j = row; j < row + classes; j++) max = Math.max(max, s[j]);
    let sumOfExps = 0;
    for (let j = row; j < row + classes; j++) sumOfExps += Math.exp(s[j] - max);
    const logSumOfExps = Math.log(sumOfExps);
    const correct = row + labels[n];
    total += logSumOfExps - (s[correct] - max);
    for (let j = row; j < row + classes; j++) {
      // p = exp(s − m − log Σ): computed in float64, rounded once when stored.
      p[j] = Math.exp(s[j] - max - logSumOfExps);
      ds[j] = (p[j] - (j === correct ? 1 : 0)) / batch;
    }
  }
  return { loss: total / batch, scoresGrad, probabilities };
}
