/**
 * What every layer shares at its edges: checking that a tensor is a minibatch of the shape the layer
 * was built for (a ShapeError naming the layer otherwise), and reusing output buffers across calls
 * with the same batch size N, so the training loop allocates nothing once it is warm.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Shape } from '../tensor/tensor.ts';
import { Tensor, reuseFloat32, shapeSize } from '../tensor/tensor.ts';

/**
 * Checks that `input` is a minibatch (N, ...perExampleShape) with N ≥ 1 and returns N.
 * Throws a ShapeError naming `where` (the layer) with the expected and the actual shape.
 */
export function checkBatchInput(input: Tensor, perExampleShape: Shape, where: string, what = 'input'): number {
  const shape = input.shape;
  const fits =
    shape.length === perExampleShape.length + 1 &&
    shape[0] >= 1 &&
    perExampleShape.every((dim, axis) => shape[axis + 1] === dim);
  if (!fits) {
    throw new ShapeError(
      `${where}: expected ${what} of shape (N, ${perExampleShape.join(', ')}) with N ≥ 1, got ${formatShape(shape)}`,
    );
  }
  return shape[0];
}

/**
 * A (batch, ...perExampleShape) buffer: `existing` if it already holds a batch of `batch` examples;
 * else a tensor over the beginning of `existing`'s memory when it is big enough (a smaller batch: the
 * last of an epoch, an evaluation batch — see reuseFloat32 for why), else a new zeroed one. The
 * contents of a reused buffer are unspecified: the layers overwrite (or zero) theirs on every call.
 */
export function batchBuffer(existing: Tensor | null, batch: number, perExampleShape: Shape): Tensor {
  if (existing !== null && existing.shape[0] === batch) return existing;
  return new Tensor(reuseFloat32(existing?.data ?? null, batch * shapeSize(perExampleShape)), [batch, ...perExampleShape]);
}

/** Checks a per-example shape given in layer options: a non-empty list of positive integers. */
export function checkPerExampleShape(shape: unknown, where: string): Shape {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(`${where}: 'inputShape' must list positive integers such as [10] or [3, 32, 32], got ${JSON.stringify(shape)}`);
  }
  return Object.freeze([...shape]);
}

/**
 * For backward: the batch size of the last forward call, after checking that `outputGrad` has the
 * shape of that call's output. Throws a ConfigError when forward has not run yet.
 */
export function checkOutputGrad(outputGrad: Tensor, output: Tensor | null, where: string): number {
  if (output === null) throw new ConfigError(`${where}: backward called before forward`);
  const shape = output.shape;
  if (outputGrad.shape.length !== shape.length || outputGrad.shape.some((dim, axis) => dim !== shape[axis])) {
    throw new ShapeError(
      `${where}: backward expected an output gradient of shape ${formatShape(shape)} (the last forward's output), ` +
        `got ${formatShape(outputGrad.shape)}`,
    );
  }
  return shape[0];
}
