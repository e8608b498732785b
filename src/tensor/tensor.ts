/**
 * Tensor: a Float32Array plus a shape, row-major (the last index varies fastest).
 *
 * Layout convention, stated once for the whole library: images are NCHW — (batch N, channels C,
 * height H, width W) — so element (n, c, y, x) of a (N, C, H, W) tensor sits at
 * ((n*C + c)*H + y)*W + x. Fully connected data is (N, D). Conversions from other layouts (HWC image
 * files, CIFAR-10 planes) happen explicitly at the edges, in the loaders.
 *
 * Storage: when the runtime offers SharedArrayBuffer (Node; browsers that are cross-origin
 * isolated), tensors are allocated on one, so a worker pool can read and write them without copies.
 * Otherwise an ordinary ArrayBuffer is used and everything still works on one thread.
 */
import { ShapeError, formatShape } from '../errors.ts';

export type Shape = readonly number[];

const sharedMemoryAvailable = typeof SharedArrayBuffer === 'function';

/** Allocates `length` zeroed float32 values, on shared memory when the runtime has it. */
export function allocFloat32(length: number): Float32Array {
  if (sharedMemoryAvailable) {
    return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
  }
  return new Float32Array(length);
}

/** Allocates `length` zeroed float64 values, on shared memory when the runtime has it (per-channel statistics). */
export function allocFloat64(length: number): Float64Array {
  if (sharedMemoryAvailable) {
    return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
  }
  return new Float64Array(length);
}

/**
 * `length` float32 values for a buffer whose size follows the batch size N: the first `length`
 * values of `existing`'s memory when that memory holds at least as many (a view: no allocation,
 * contents left as they were — the caller overwrites them), else fresh zeroed memory (allocFloat32).
 *
 * Why: an epoch's last batch is usually smaller (50,000 = 781·64 + 16), and so is the last evaluation
 * batch. Allocating new buffers at every change of N would make new shared memory four times an
 * epoch; worker threads hold views of every buffer they were sent until their own garbage collector
 * runs, which it rarely does, so a training's memory grew by the whole set of layer buffers per epoch.
 * Reusing the largest buffer keeps the memory of a run flat after its first epoch.
 */
export function reuseFloat32(existing: Float32Array | null, length: number): Float32Array {
  if (existing !== null && existing.byteOffset === 0 && existing.buffer.byteLength >= length * Float32Array.BYTES_PER_ELEMENT) {
    return existing.length === length ? existing : new Float32Array(existing.buffer, 0, length);
  }
  return allocFloat32(length);
}

/** Number of elements of a shape: the product of its dimensions (1 for a scalar shape []). */
export function shapeSize(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

function checkShape(shape: Shape, where: string): void {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new ShapeError(`${where}: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;

  /**
   * Wraps `data` (not copied) with `shape`. The data length must equal the product of the shape.
   * Use the static constructors for new storage.
   */
  constructor(data: Float32Array, shape: Shape) {
    checkShape(shape, 'Tensor');
    if (data.length !== shapeSize(shape)) {
      throw new ShapeError(
        `Tensor: shape ${formatShape(shape)} needs ${shapeSize(shape)} values, got ${data.length}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** A tensor of zeros. */
  static zeros(shape: Shape): Tensor {
    checkShape(shape, 'Tensor.zeros');
    return new Tensor(allocFloat32(shapeSize(shape)), shape);
  }

  /** A tensor with every element equal to `value`. */
  static filled(shape: Shape, value: number): Tensor {
    return Tensor.zeros(shape).fill(value);
  }

  /** A tensor holding a copy of `values` (a plain array or typed array). */
  static from(values: ArrayLike<number>, shape: Shape = [values.length]): Tensor {
    const tensor = Tensor.zeros(shape);
    if (values.length !== tensor.size) {
      throw new ShapeError(
        `Tensor.from: shape ${formatShape(shape)} needs ${tensor.size} values, got ${values.length}`,
      );
    }
    tensor.data.set(values);
    return tensor;
  }

  /** A scalar (shape []). */
  static scalar(value: number): Tensor {
    return Tensor.from([value], []);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Sets every element to `value`; returns this. */
  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  /** Sets every element to 0; returns this. */
  zero(): this {
    this.data.fill(0);
    return this;
  }

  /** A deep copy. */
  clone(): Tensor {
    return Tensor.from(this.data, this.shape);
  }

  /** Copies `other`'s values into this tensor (sizes must match); returns this. */
  copyFrom(other: Tensor): this {
    if (other.size !== this.size) {
      throw new ShapeError(
        `Tensor.copyFrom: cannot copy ${formatShape(other.shape)} into ${formatShape(this.shape)}`,
      );
    }
    this.data.set(other.data);
    return this;
  }

  /**
   * A view with another shape over the same data (no copy). One dimension may be -1, meaning
   * "whatever makes the sizes match".
   */
  reshape(shape: Shape): Tensor {
    const inferred = [...shape];
    const unknown = inferred.indexOf(-1);
    if (unknown >= 0) {
      const known = shapeSize(inferred.filter((_, i) => i !== unknown));
      if (known === 0 || this.size % known !== 0) {
        throw new ShapeError(
          `Tensor.reshape: cannot reshape ${formatShape(this.shape)} (${this.size} values) to ${formatShape(shape)}`,
        );
      }
      inferred[unknown] = this.size / known;
    }
    if (shapeSize(inferred) !== this.size) {
      throw new ShapeError(
        `Tensor.reshape: cannot reshape ${formatShape(this.shape)} (${this.size} values) to ${formatShape(shape)}`,
      );
    }
    return new Tensor(this.data, inferred);
  }

  /** Element at a multi-index (slow; for specs and examples, not inner loops). */
  get(...index: number[]): number {
    return this.data[this.offset(index)];
  }

  /** Sets the element at a multi-index (slow; for specs and examples, not inner loops). */
  set(value: number, ...index: number[]): void {
    this.data[this.offset(index)] = value;
  }

  private offset(index: number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(`Tensor: index [${index}] does not fit shape ${formatShape(this.shape)}`);
    }
    let offset = 0;
    for (let axis = 0; axis < this.rank; axis++) {
      const i = index[axis];
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[axis]) {
        throw new ShapeError(`Tensor: index [${index}] is outside shape ${formatShape(this.shape)}`);
      }
      offset = offset * this.shape[axis] + i;
    }
    return offset;
  }

  /** Plain array copy of the data (for JSON and printing). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Gaussian random tensor: every element drawn from N(mean, std²) with `rng`. */
  static gaussian(shape: Shape, rng: { gaussian(mean: number, std: number): number }, mean = 0, std = 1): Tensor {
    const tensor = Tensor.zeros(shape);
    for (let i = 0; i < tensor.size; i++) tensor.data[i] = rng.gaussian(mean, std);
    return tensor;
  }

  /** Uniform random tensor: every element drawn from [low, high) with `rng`. */
  static uniform(shape: Shape, rng: { uniformRange(low: number, high: number): number }, low = 0, high = 1): Tensor {
    const tensor = Tensor.zeros(shape);
    for (let i = 0; i < tensor.size; i++) tensor.data[i] = rng.uniformRange(low, high);
    return tensor;
  }
}

/** Throws a ShapeError unless `actual` equals `expected` ("where" names the layer or op). */
export function assertShape(actual: Shape, expected: Shape, where: string): void {
  if (actual.length !== expected.length || actual.some((dim, i) => dim !== expected[i])) {
    throw new ShapeError(`${where}: expected shape ${formatShape(expected)}, got ${formatShape(actual)}`);
  }
}
