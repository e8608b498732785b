/**
 * Choosing part of a dataset by class: the data side of transfer learning ("pretrain on classes
 * 0–4, then learn classes 5–9 from 500 images each").
 *
 * - `parseClassList('5-9')` → [5, 6, 7, 8, 9]; ranges and single classes separated by commas
 *   ('0,2,4-6'), each class once, in ascending order.
 * - `selectClasses(dataset, [5, …, 9])` keeps the images of those classes and relabels them
 *   0..k−1 in the list's order (label 5 → 0, …, 9 → 4), keeping their names: the new classNames are
 *   [names[5], …, names[9]], so reports still say 'dog', not 'class 0'.
 * - `firstPerClass(dataset, 500)` keeps the first 500 images of each class, in the dataset's order:
 *   deterministic, no Rng, and the same images on every run and every machine.
 *
 * Portable: no node:* imports.
 */
import { ConfigError, DataError } from '../errors.ts';
import type { ImageDataset } from './dataset.ts';
import { classCounts, subset } from './dataset.ts';

/**
 * '5-9', '3', '0,2,4-6' → the ascending list of class indices. Checks the syntax only (a dataset's
 * class count is checked by selectClasses); `option` names the flag in errors.
 */
export function parseClassList(text: string, option = '--classes'): number[] {
  const classes: number[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) throw new ConfigError(`${option}: cannot read '${part}' in '${text}'; expected class indices and ranges like 5-9 or 0,2,4-6`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new ConfigError(`${option}: the range '${part.trim()}' runs backwards; write ${last}-${first}`);
    for (let k = first; k <= last; k++) {
      if (classes.includes(k)) throw new ConfigError(`${option}: class ${k} is named twice in '${text}'`);
      classes.push(k);
    }
  }
  return classes.sort((a, b) => a - b);
}

/**
 * The images whose label is in `classes`, relabelled: label classes[i] → i. classNames become
 * classes.map((k) => classNames[k]). A class index outside the dataset's 0..K−1 is a DataError
 * naming the dataset; so is a selection that keeps no image.
 * Shapes: N images → M ≤ N images (the same C, H, W), K classes → classes.length classes.
 */
export function selectClasses(dataset: ImageDataset, classes: readonly number[], option = '--classes'): ImageDataset {
  const classCount = dataset.classNames.length;
  const outside = classes.filter((k) => !Number.isInteger(k) || k < 0 || k >= classCount);
  if (outside.length > 0) {
    throw new DataError(`${option}: '${dataset.name}' has classes 0-${classCount - 1}; ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among them`);
  }
  const newLabel = new Int16Array(classCount).fill(-1);
  classes.forEach((k, i) => { newLabel[k] = i; });
  const kept: number[] = [];
  for (let n = 0; n < dataset.count; n++) if (newLabel[dataset.labels[n]] >= 0) kept.push(n);
  if (kept.length === 0) throw new DataError(`${option}: '${dataset.name}' has no images of classes ${classes.join(', ')}`);
  const selected = subset(dataset, kept, dataset.name);
  for (let i = 0; i < selected.count; i++) selected.labels[i] = newLabel[selected.labels[i]];
  return { ...selected, classNames: classes.map((k) => dataset.classNames[k]) };
}

/**
 * The first `perClass` images of every class, in the dataset's order (the relative order of the
 * kept images is unchanged). A class with fewer images is a DataError naming it and its count.
 */
export function firstPerClass(dataset: ImageDataset, perClass: number, option = '--per-class'): ImageDataset {
  if (!Number.isInteger(perClass) || perClass < 1) throw new ConfigError(`${option}: expected a positive integer, got ${perClass}`);
  const counts = classCounts(dataset);
  const short = counts.findIndex((count) => count < perClass);
  if (short >= 0) {
    throw new DataError(`${option} ${perClass}: '${dataset.name}' has only ${counts[short]} images of class ${short} ('${dataset.classNames[short]}')`);
  }
  const taken = new Array<number>(counts.length).fill(0);
  const kept: number[] = [];
  for (let n = 0; n < dataset.count; n++) {
    const label = dataset.labels[n];
    if (taken[label] < perClass) {
      taken[label]++;
      kept.push(n);
    }
  }
  return subset(dataset, kept, dataset.name);
}
