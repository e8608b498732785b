import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError } from '../../src/errors.ts';
import { firstPerClass, parseClassList, selectClasses } from '../../src/data/class-selection.ts';
import { classCounts, makeImageDataset } from '../../src/data/dataset.ts';

/** 12 one-pixel gray images; image n has label labels[n] and pixel value n (so we can see which were kept). */
function tiny(labels: number[]) {
  return makeImageDataset({
    name: 'tiny', classNames: ['a', 'b', 'c', 'd', 'e'], channels: 1, height: 1, width: 1, count: labels.length,
    pixels: Uint8Array.from(labels.map((_, n) => n)), labels: Uint8Array.from(labels),
  });
}
const LABELS = [4, 0, 2, 2, 1, 4, 3, 2, 0, 4, 1, 2];

describe('parseClassList', () => {
  it('reads ranges and single classes, ascending', () => {
    assert.deepEqual(parseClassList('5-9'), [5, 6, 7, 8, 9]);
    assert.deepEqual(parseClassList('4-6,0, 2'), [0, 2, 4, 5, 6]);
    assert.deepEqual(parseClassList('3'), [3]);
  });
  it('refuses what it cannot read, backward ranges and repeats, naming --classes', () => {
    for (const [text, pattern] of [['5..9', /cannot read '5..9'/], ['9-5', /runs backwards; write 5-9/], ['1,1', /class 1 is named twice/], ['', /cannot read ''/], ['-3', /cannot read/]] as const) {
      assert.throws(() => parseClassList(text), (e: unknown) => e instanceof ConfigError && e.message.startsWith('--classes: ') && pattern.test(e.message));
    }
  });
});

describe('selectClasses', () => {
  it('keeps the images of the chosen classes in order, relabels them 0..k−1 and keeps their names', () => {
    const selected = selectClasses(tiny(LABELS), [2, 4]);
    assert.deepEqual(selected.classNames, ['c', 'e']);
    assert.deepEqual(Array.from(selected.pixels), [0, 2, 3, 5, 7, 9, 11]);
    assert.deepEqual(Array.from(selected.labels), [1, 0, 0, 1, 0, 1, 0]);
    assert.equal(selected.count, 7);
  });
  it('refuses a class the dataset does not have, and a selection with no image', () => {
    assert.throws(() => selectClasses(tiny(LABELS), [3, 5, 7]), (e: unknown) => e instanceof DataError && /'tiny' has classes 0-4; 5, 7 are not among them/.test(e.message));
    assert.throws(() => selectClasses(tiny([0, 1, 1]), [3]), (e: unknown) => e instanceof DataError && /no images of classes 3/.test(e.message));
  });
});

describe('firstPerClass', () => {
  it('keeps the first n of each class, in dataset order: every class ends with exactly n', () => {
    const kept = firstPerClass(tiny([...LABELS, 3]), 2); // class counts 2, 2, 4, 2, 3
    assert.deepEqual(classCounts(kept), [2, 2, 2, 2, 2]);
    assert.deepEqual(Array.from(kept.pixels), [0, 1, 2, 3, 4, 5, 6, 8, 10, 12]);
    assert.deepEqual(kept.classNames, ['a', 'b', 'c', 'd', 'e']);
  });
  it('is deterministic and composes with selectClasses (5-9 style: select, then n per class)', () => {
    const both = firstPerClass(selectClasses(tiny(LABELS), [2, 4]), 2);
    assert.deepEqual(Array.from(both.pixels), [0, 2, 3, 5]);
    assert.deepEqual(Array.from(both.labels), [1, 0, 0, 1]);
    assert.deepEqual(firstPerClass(selectClasses(tiny(LABELS), [2, 4]), 2), both);
  });
  it('refuses a class with fewer images than asked, naming it', () => {
    assert.throws(() => firstPerClass(tiny(LABELS), 3), (e: unknown) => e instanceof DataError && /--per-class 3: 'tiny' has only 2 images of class 0 \('a'\)/.test(e.message));
  });
});
