/**
 * argmax: the index of the largest of `length` values starting at `offset` — for a row of class
 * scores (N, K) stored row-major, `argmax(scores, n * K, K)` is example n's predicted class.
 *
 * Ties go to the FIRST maximum (the lowest index), the same rule as max pooling, so a prediction
 * never depends on anything but the values. A NaN never wins a comparison, so it is skipped unless it
 * comes first. Returns an index in 0..length−1 (0 when length is 0).
 */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let index = 1; index < length; index++) {
    if (values[offset + index] > values[offset + best]) best = index;
  }
  return best;
}
