/**
 * Squared-error losses for regression: scores s and targets t of the same shape (N, ...), usually
 * (N, C) with C outputs per example.
 *
 *   sumOfSquaresLoss, reduction 'mean' (default): L = (1/N) Σ_n Σ_c (s[n, c] − t[n, c])²
 *                                                 dL/ds = 2(s − t)/N
 *   sumOfSquaresLoss, reduction 'sum':            L = Σ_n Σ_c (s[n, c] − t[n, c])²
 *                                                 dL/ds = 2(s − t)
 *     ('sum' is the CS231n lecture's `np.square(y_pred − y).sum()`: its learning rates assume it.)
 *   meanSquaredErrorLoss:                         L = (1/(N·C)) Σ_n Σ_c (s[n, c] − t[n, c])²
 *                                                 dL/ds = 2(s − t)/(N·C)
 *     (the average over every element, like PyTorch's MSELoss; C stands for all non-batch elements.)
 *
 * The default 'mean' reduction matches the classification losses: a loss per example, averaged over
 * the batch, so the learning rate does not have to change with N.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';

export interface RegressionLoss {
  loss: number;
  /** dL/dscores, same shape as scores. A new tensor on each call. */
  scoresGrad: Tensor;
}

function checkTargets(scores: Tensor, targets: Tensor, where: string): number {
  const matches = scores.rank === targets.rank && scores.shape.every((dim, axis) => dim === targets.shape[axis]);
  if (!matches || scores.rank < 1 || scores.shape[0] < 1) {
    throw new ShapeError(
      `${where}: scores and targets must have the same shape (N, ...) with N ≥ 1, got scores ${formatShape(scores.shape)} ` +
        `and targets ${formatShape(targets.shape)}`,
    );
  }
  return scores.shape[0];
}

/** Σ (s − t)² scaled by `divisor`, and its gradient 2(s − t)/divisor. */
function scaledSquaredError(scores: Tensor, targets: Tensor, divisor: number): RegressionLoss {
  const s = scores.data;
  const t = targets.data;
  const scoresGrad = Tensor.zeros(scores.shape);
  const ds = scoresGrad.data;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const difference = s[i] - t[i];
    total += difference * difference;
    ds[i] = (2 * difference) / divisor;
  }
  return { loss: total / divisor, scoresGrad };
}

/** Sum of squared errors over each example's outputs; averaged over N ('mean') or summed ('sum'). */
export function sumOfSquaresLoss(
  scores: Tensor,
  targets: Tensor,
  options: { reduction?: 'mean' | 'sum' } = {},
): RegressionLoss {
  const batch = checkTargets(scores, targets, 'sumOfSquaresLoss');
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum') {
    throw new ConfigError(`sumOfSquaresLoss: 'reduction' must be 'mean' or 'sum', got ${JSON.stringify(reduction)}`);
  }
  return scaledSquaredError(scores, targets, reduction === 'sum' ? 1 : batch);
}

/** Mean over all N·C elements of the squared error. */
export function meanSquaredErrorLoss(scores: Tensor, targets: Tensor): RegressionLoss {
  checkTargets(scores, targets, 'meanSquaredErrorLoss');
  return scaledSquaredError(scores, targets, scores.size);
}
