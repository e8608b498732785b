/**
 * A training set whose inputs tell which examples a step saw: image i is one pixel of value i (so at
 * most 256 images), label i mod 3. With the identity preprocessing ({ mean: [0], std: [1] }) the
 * float input of a step IS the list of its example indices. Used by the trainer specs that follow
 * the order and the learning rate step by step.
 */
import { makeImageDataset } from '../../src/data/dataset.ts';
import type { ImageDataset } from '../../src/data/dataset.ts';

export const INDEX_CLASSES = ['a', 'b', 'c'];

export function indexDataset(count: number): ImageDataset {
  return makeImageDataset({
    name: 'indices', classNames: INDEX_CLASSES, channels: 1, height: 1, width: 1, count,
    pixels: Uint8Array.from({ length: count }, (_, i) => i),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
  });
}
