import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { predictionsHtml, topClasses } from '../../src/viz/predictions.ts';
import { decodePng, encodePng } from '../../src/io/png.ts';
import { ShapeError } from '../../src/errors.ts';
import { attribute, findElements, parseXml, textContent } from './xml-check.ts';

const classNames = ['plane', 'car', 'bird', 'cat & co'];
const image = { channels: 3, height: 2, width: 2, data: new Float32Array(12).map((_, i) => i) };

describe('topClasses', () => {
  it('sorts by probability, ties to the lower index, NaN last', () => {
    assert.deepEqual(topClasses([0.1, 0.4, 0.4, 0.1], 3), [1, 2, 0]);
    assert.deepEqual(topClasses([Number.NaN, 0.2, 0.3], 3), [2, 1, 0]);
  });
});

describe('predictionsHtml', () => {
  const html = predictionsHtml(
    [
      { image, trueLabel: 3, probabilities: [0.05, 0.15, 0.2, 0.6] },
      { image, trueLabel: 0, probabilities: [0.3, 0.1, 0.55, 0.05] },
    ],
    { classNames, encodePng, scale: 5 },
  );
  const root = parseXml(html, { html: true });
  const cards = findElements(root, 'figure');

  it('marks right and wrong predictions', () => {
    assert.equal(cards.length, 2);
    assert.equal(attribute(cards[0]!, 'class'), 'prediction right');
    assert.equal(attribute(cards[1]!, 'class'), 'prediction wrong');
    assert.match(textContent(findElements(cards[1]!, 'div')[0]!), /true: plane ✗ predicted bird/);
    assert.match(textContent(findElements(cards[0]!, 'div')[0]!), /true: cat & co ✓/);
  });

  it('lists the top 3 classes with their probabilities, highest first', () => {
    const rows = findElements(cards[1]!, 'li').map((li) => findElements(li, 'span').map(textContent).filter(Boolean));
    assert.deepEqual(rows, [['bird', '55.0%'], ['plane', '30.0%'], ['car', '10.0%']]);
    const trueRow = findElements(cards[1]!, 'li').find((li) => li.attributes.get('class') === 'true-class');
    assert.equal(textContent(findElements(trueRow!, 'span')[0]!), 'plane');
  });

  it('inlines each picture as a PNG of the upscaled image', () => {
    for (const card of cards) {
      const src = attribute(findElements(card, 'img')[0]!, 'src');
      assert.ok(src.startsWith('data:image/png;base64,'));
      const decoded = decodePng(new Uint8Array(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64')));
      assert.deepEqual([decoded.width, decoded.height, decoded.channels], [10, 10, 3]);
      // Red plane holds 0..3 in a range of 0..11: top-left red = 0, bottom-right blue = 255.
      assert.equal(decoded.pixels[0], 0);
      assert.equal(decoded.pixels[decoded.pixels.length - 1], 255);
    }
  });

  it('rejects probabilities that do not match the classes and bad true labels', () => {
    assert.throws(() => predictionsHtml([{ image, trueLabel: 0, probabilities: [1, 0] }], { classNames, encodePng }), ShapeError);
    assert.throws(() => predictionsHtml([{ image, trueLabel: 4, probabilities: [1, 0, 0, 0] }], { classNames, encodePng }), /true label 4/);
  });
});
