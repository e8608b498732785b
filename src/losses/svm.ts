/**
 * Multiclass SVM (hinge) loss, Weston–Watkins form as in CS231n, margin Δ = 1.
 *
 * scores s: (N, C), labels y: N class indices in [0, C). For example n with correct class y_n:
 *   L_n = Σ_{j ≠ y_n} max(0, s[n, j] − s[n, y_n] + 1)
 *   L   = (1/N) Σ_n L_n                                    (data loss; regularization is separate)
 * The correct score must beat every other score by the margin 1; each class that violates the
 * margin adds its shortfall.
 *
 * Gradient (averaged over N like the loss): for each j ≠ y_n with a positive margin term,
 *   dL/ds[n, j]   += 1/N
 *   dL/ds[n, y_n] −= 1/N
 * At a margin of exactly 0 (the kink) the subgradient 0 is used: terms count only when > 0.
 * Sanity value: all-zero scores give margins of exactly 1 for the C − 1 wrong classes, so L = C − 1.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { type Labels, checkScoresAndLabels, sameShapeOrNew } from './labels.ts';

export interface ClassificationLoss {
  /** Mean loss over the batch. */
  loss: number;
  /** dL/dscores, (N, C), already divided by N. A new tensor on each call, unless `reuse` gave one. */
  scoresGrad: Tensor;
}

/**
 * Multiclass hinge loss of scores (N, C) against labels (N); see the formulas above.
 * `reuse`: the result of an earlier call; its gradient tensor is overwritten and returned when it has
 * the shape of `scores` (what a training loop passes, so that a step allocates nothing).
 */
export function svmLoss(scores: Tensor, labels: Labels, reuse?: ClassificationLoss): ClassificationLoss {
  const { batch, classes } = checkScoresAndLabels(scores, labels, 'svmLoss');
  const s = scores.data;
  const scoresGrad = sameShapeOrNew(reuse?.scoresGrad, scores).zero(); // the loop below adds into it
  const ds = scoresGrad.data;
  const share = 1 / batch;
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    const correct = row + labels[n];
    for (let j = row; j < row + classes; j++) {
      if (j === correct) continue;
      const margin = s[j] - s[correct] + 1;
      if (margin > 0) {
        total += margin;
        ds[j] += share;
        ds[correct] -= share;
      }
    }
  }
  return { loss: total / batch, scoresGrad };
}
