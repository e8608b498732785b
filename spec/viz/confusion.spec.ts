import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { confusionCounts, confusionMatrixSvg, heatColor } from '../../src/viz/confusion.ts';
import { DataError, ShapeError } from '../../src/errors.ts';
import { attribute, findElements, parseXml, textContent } from './xml-check.ts';

const input = {
  trueLabels: [0, 0, 0, 1, 1, 2, 2, 2, 2],
  predictedLabels: [0, 0, 1, 1, 1, 2, 0, 2, 1],
  classNames: ['cat', 'dog & co', '<ship>'],
};

describe('confusionCounts', () => {
  it('counts (true, predicted) pairs, row = true class', () => {
    assert.deepEqual(Array.from(confusionCounts(input.trueLabels, input.predictedLabels, 3)), [
      2, 1, 0,
      0, 2, 0,
      1, 1, 2,
    ]);
  });

  it('rejects unpaired lists and labels outside the classes', () => {
    assert.throws(() => confusionCounts([0, 1], [0], 2), ShapeError);
    assert.throws(() => confusionCounts([0, 3], [0, 1], 3), /true label 3 at index 1/);
    assert.throws(() => confusionCounts([0], [-1], 3), DataError);
    assert.throws(() => confusionCounts([0.5], [0], 3), DataError);
  });
});

describe('confusionMatrixSvg', () => {
  const root = parseXml(confusionMatrixSvg(input));

  it('shows each count in its cell, the cell shaded by its share of the row', () => {
    const counts = confusionCounts(input.trueLabels, input.predictedLabels, 3);
    const cells = findElements(root, 'g').filter((g) => g.attributes.get('class') === 'cell');
    assert.equal(cells.length, 9);
    for (const cell of cells) {
      const t = Number(attribute(cell, 'data-true'));
      const p = Number(attribute(cell, 'data-predicted'));
      const text = findElements(cell, 'text')[0]!;
      assert.equal(textContent(text), String(counts[t * 3 + p]), `cell (${t}, ${p})`);
      const rowSum = counts[t * 3]! + counts[t * 3 + 1]! + counts[t * 3 + 2]!;
      assert.equal(attribute(findElements(cell, 'rect')[0]!, 'fill'), heatColor(counts[t * 3 + p]! / rowSum));
    }
  });

  it('names the classes on both axes (escaped), with recall per class and the accuracy', () => {
    const texts = findElements(root, 'text').map(textContent);
    for (const name of input.classNames) assert.equal(texts.filter((text) => text === name).length, 2, name);
    assert.ok(texts.includes('predicted class') && texts.includes('true class'));
    const recalls = findElements(root, 'text').filter((t) => t.attributes.get('class') === 'recall').map(textContent);
    assert.deepEqual(recalls, ['66.7%', '100.0%', '50.0%']);
    assert.ok(texts[0]!.includes('accuracy 66.7% of 9'));
  });

  it('heatColor runs from white to dark blue', () => {
    assert.equal(heatColor(0), '#ffffff');
    assert.equal(heatColor(1), '#084594');
    assert.equal(heatColor(Number.NaN), '#ffffff');
  });
});
