/**
 * Checks shared by the classification losses: scores must be a matrix (N, C) and labels must be N
 * integer class indices in [0, C). Also the losses' reuse of their output tensors across calls.
 */
import { ShapeError, formatShape } from '../errors.ts';
import { Tensor, reuseFloat32 } from '../tensor/tensor.ts';

/** Class indices, one per example: an Int32Array or Uint8Array (any array-like of integers works). */
export type Labels = ArrayLike<number>;

/**
 * Returns { batch: N, classes: C } after checking scores (N, C) with N, C ≥ 1 and N labels in [0, C).
 * Throws a ShapeError naming `where`, the position of the first bad label and its value.
 */
export function checkScoresAndLabels(scores: Tensor, labels: Labels, where: string): { batch: number; classes: number } {
  if (scores.rank !== 2 || scores.shape[0] < 1 || scores.shape[1] < 1) {
    throw new ShapeError(`${where}: expected scores of shape (N, C) with N, C ≥ 1, got ${formatShape(scores.shape)}`);
  }
  const [batch, classes] = scores.shape;
  if (labels.length !== batch) {
    throw new ShapeError(`${where}: scores ${formatShape(scores.shape)} hold ${batch} examples but ${labels.length} labels were given`);
  }
  for (let n = 0; n < batch; n++) {
    const label = labels[n];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ShapeError(`${where}: label at index ${n} is ${label}, outside the class range [0, ${classes})`);
    }
  }
  return { batch, classes };
}

/**
 * `previous` when it has the shape of `scores` (its contents are to be overwritten); else a tensor of
 * that shape over `previous`'s memory when it is big enough (a smaller batch; reuseFloat32 in
 * tensor.ts says why), else a new zeroed one.
 */
export function sameShapeOrNew(previous: Tensor | undefined, scores: Tensor): Tensor {
  if (previous !== undefined && previous.rank === scores.rank && previous.shape.every((d, i) => d === scores.shape[i])) return previous;
  return new Tensor(reuseFloat32(previous?.data ?? null, scores.size), scores.shape);
}
