/**
 * Minibatch gradient descent, the lecture's loop in its smallest form:
 *
 *   repeat: sample a batch of examples → loss and gradients on that batch → w ← w − η·∂L/∂w → zero ∂L/∂w
 *
 * The gradient of a small random batch (32–256 examples) is a noisy but unbiased estimate of the
 * full-data gradient, far cheaper to compute, and the noise does no harm (it even helps escape poor
 * regions). This module holds the pieces: drawing the indices, gathering the rows, and the loop.
 * The full Trainer (epochs over shuffled data, schedules, checkpoints) builds on the same steps.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import { sgd } from '../optim/sgd.ts';
import { createRuleState } from '../optim/update-rule.ts';
import type { Rng } from '../tensor/rng.ts';
import { Tensor, shapeSize } from '../tensor/tensor.ts';

function positiveInteger(value: number, label: string, where: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${where}: '${label}' must be a positive integer, got ${value}`);
  }
}

/**
 * Draws `batchSize` example indices from [0, datasetSize) with `rng`.
 *
 * - replacement false (default): distinct indices, a uniformly random subset in random order —
 *   the first batchSize steps of a Fisher–Yates shuffle of 0..datasetSize−1. Only the positions the
 *   shuffle touched are remembered (in a Map), so a call costs O(batchSize), not O(datasetSize).
 *   Needs batchSize ≤ datasetSize.
 * - replacement true: batchSize independent uniform draws (rng.int); an index may repeat. This is
 *   numpy's `np.random.choice(N, B)` default, cheaper to reason about, and allows batchSize > N.
 * Either way, the draws come from `rng` only: the same seed gives the same batches.
 */
export function sampleBatchIndices(
  datasetSize: number,
  batchSize: number,
  rng: Rng,
  options: { replacement?: boolean } = {},
): Int32Array {
  positiveInteger(datasetSize, 'datasetSize', 'sampleBatchIndices');
  positiveInteger(batchSize, 'batchSize', 'sampleBatchIndices');
  const indices = new Int32Array(batchSize);
  if (options.replacement ?? false) {
    for (let i = 0; i < batchSize; i++) indices[i] = rng.int(datasetSize);
    return indices;
  }
  if (batchSize > datasetSize) {
    throw new ConfigError(
      `sampleBatchIndices: cannot draw ${batchSize} distinct indices from ${datasetSize} examples ` +
        '(use a smaller batch or { replacement: true })',
    );
  }
  // Virtual array a[k] = moved.get(k) ?? k, shuffled in place: swap a[i] with a random a[j], j ≥ i.
  const moved = new Map<number, number>();
  for (let i = 0; i < batchSize; i++) {
    const j = i + rng.int(datasetSize - i);
    const atI = moved.get(i) ?? i;
    indices[i] = moved.get(j) ?? j;
    moved.set(j, atI); // position i is never read again, so only j needs updating
  }
  return indices;
}

/**
 * Gathers rows of `source` (N, ...rest) into a batch (B, ...rest): batch[b] = source[indices[b]].
 * `into`, if given, must have shape (B, ...rest) and is filled and returned (no allocation).
 */
export function gatherRows(source: Tensor, indices: ArrayLike<number>, into?: Tensor): Tensor {
  if (source.rank < 1) throw new ShapeError(`gatherRows: source must have a batch axis, got shape ${formatShape(source.shape)}`);
  const rest = source.shape.slice(1);
  const rowSize = shapeSize(rest);
  const batch = into ?? Tensor.zeros([indices.length, ...rest]);
  if (batch.rank !== source.rank || batch.shape[0] !== indices.length || rest.some((dim, axis) => batch.shape[axis + 1] !== dim)) {
    throw new ShapeError(
      `gatherRows: output must have shape (${[indices.length, ...rest].join(', ')}), got ${formatShape(batch.shape)}`,
    );
  }
  for (let b = 0; b < indices.length; b++) {
    const row = indices[b];
    if (!Number.isInteger(row) || row < 0 || row >= source.shape[0]) {
      throw new ShapeError(`gatherRows: index ${row} at position ${b} is outside [0, ${source.shape[0]})`);
    }
    batch.data.set(source.data.subarray(row * rowSize, (row + 1) * rowSize), b * rowSize);
  }
  return batch;
}

/** Gathers labels: batch[b] = labels[indices[b]], as an Int32Array (`into`, if given, of length B). */
export function gatherLabels(labels: ArrayLike<number>, indices: ArrayLike<number>, into?: Int32Array): Int32Array {
  const batch = into ?? new Int32Array(indices.length);
  if (batch.length !== indices.length) {
    throw new ShapeError(`gatherLabels: output must hold ${indices.length} labels, got ${batch.length}`);
  }
  for (let b = 0; b < indices.length; b++) {
    const row = indices[b];
    if (!Number.isInteger(row) || row < 0 || row >= labels.length) {
      throw new ShapeError(`gatherLabels: index ${row} at position ${b} is outside [0, ${labels.length})`);
    }
    batch[b] = labels[row];
  }
  return batch;
}

export interface MinibatchSgdOptions {
  /** Everything to update; their grads are zeroed before the first step and after every update. */
  parameters: readonly Parameter[];
  /** N: how many examples the indices are drawn from. */
  datasetSize: number;
  batchSize: number;
  steps: number;
  /** η. Each parameter's learningRateMultiplier scales it. */
  learningRate: number;
  rng: Rng;
  /** Sampling mode, see sampleBatchIndices (default false). */
  replacement?: boolean;
  /**
   * Forward and backward on the batch: must ADD ∂L/∂w into every parameter's grad (regularization
   * included, if any) and return the loss L of this batch.
   */
  lossAndGradients: (batchIndices: Int32Array, step: number) => number;
}

/** Runs `steps` minibatch SGD steps; returns the loss of each step, in order. */
export function minibatchSgd(options: MinibatchSgdOptions): number[] {
  const { parameters, datasetSize, batchSize, steps, learningRate, rng } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new ConfigError(`minibatchSgd: 'steps' must be an integer ≥ 0, got ${steps}`);
  if (!Number.isFinite(learningRate) || learningRate < 0) {
    throw new ConfigError(`minibatchSgd: 'learningRate' must be a finite number ≥ 0, got ${learningRate}`);
  }
  const states = parameters.map((parameter) => createRuleState(sgd, parameter.value.size));
  for (const parameter of parameters) parameter.grad.zero();
  const history: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batchIndices = sampleBatchIndices(datasetSize, batchSize, rng, { replacement: options.replacement });
    history.push(options.lossAndGradients(batchIndices, step));
    parameters.forEach((parameter, p) => {
      sgd.step(parameter.value.data, parameter.grad.data, states[p], learningRate * parameter.learningRateMultiplier, {});
      parameter.grad.zero();
    });
  }
  return history;
}
