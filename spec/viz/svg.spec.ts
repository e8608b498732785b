import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coord, decimalsFor, escapeXml, formatTick, formatValue, niceTicks } from '../../src/viz/svg.ts';
import { parseXml, textContent } from './xml-check.ts';

describe('niceTicks', () => {
  it('chooses 1-2-5 steps near the target count and covers the range with whole steps', () => {
    const cases: [number, number, number, number, number][] = [
      // low, high, expected step, expected min, expected max
      [0, 1, 0.2, 0, 1],
      [0.13, 2.87, 0.5, 0, 3],
      [0, 400, 100, 0, 400],
      [1, 8, 2, 0, 8],
      [0.35, 0.9, 0.1, 0.3, 0.9],
      [-3.2, 7.9, 2, -4, 8],
      [1200, 98000, 20000, 0, 100000],
    ];
    for (const [low, high, step, min, max] of cases) {
      const ticks = niceTicks(low, high);
      assert.equal(ticks.step, step, `step for [${low}, ${high}]`);
      assert.equal(ticks.min, min, `min for [${low}, ${high}]`);
      assert.equal(ticks.max, max, `max for [${low}, ${high}]`);
      assert.ok(ticks.min <= low && ticks.max >= high);
      ticks.values.forEach((value, index) => assert.equal(value, Number((min + index * step).toFixed(6))));
    }
  });

  it('every step is 1, 2 or 5 times a power of ten', () => {
    for (let span = 0.003; span < 1e6; span *= 1.7) {
      const { step } = niceTicks(0, span);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${step} for span ${span}`);
      assert.ok(span / step >= 2 && span / step <= 10, `about 5 intervals for span ${span}: ${span / step}`);
    }
  });

  it('widens an empty range, survives non-finite bounds and honours a minimum step', () => {
    assert.deepEqual(niceTicks(2, 2).values, [1, 1.5, 2, 2.5, 3], 'a constant 2 widened to [1, 3]');
    assert.deepEqual([niceTicks(500, 500).min, niceTicks(500, 500).max], [440, 560], 'large values widen by a tenth');
    const broken = niceTicks(Number.NaN, Infinity);
    assert.deepEqual([broken.min, broken.max], [0, 1]);
    assert.equal(niceTicks(1, 3, 5, 1).step, 1);
  });
});

describe('number and text formatting', () => {
  it('formats ticks with the decimals of their step and k/M suffixes', () => {
    assert.equal(decimalsFor(0.25), 2);
    assert.equal(decimalsFor(5), 0);
    assert.equal(formatTick(0.5, 0.5), '0.5');
    assert.equal(formatTick(-0, 0.5), '0.0');
    assert.equal(formatTick(1, 0.25), '1.00');
    assert.equal(formatTick(20000, 5000), '20k');
    assert.equal(formatTick(2500, 500), '2500');
    assert.equal(formatTick(3000000, 1000000), '3M');
    assert.equal(formatValue(0.012345), '0.0123');
    assert.equal(formatValue(123456), '1.23e+5');
    assert.equal(formatValue(0), '0');
  });

  it('coord rounds to two decimals and refuses NaN', () => {
    assert.equal(coord(12.3456), '12.35');
    assert.equal(coord(-0.001), '0');
    assert.throws(() => coord(Number.NaN), RangeError);
    assert.throws(() => coord(Infinity), RangeError);
  });

  it('escapeXml makes any text safe in elements and attributes', () => {
    const nasty = `<b class="x">Tom & Jerry's</b>\u0001`;
    const svg = `<svg a="${escapeXml(nasty)}"><text>${escapeXml(nasty)}</text></svg>`;
    const root = parseXml(svg);
    assert.equal(root.attributes.get('a'), nasty.slice(0, -1));
    assert.equal(textContent(root), nasty.slice(0, -1));
  });
});

describe('the spec XML checker itself', () => {
  it('accepts well-formed XML and rejects each kind of malformation', () => {
    assert.equal(parseXml('<?xml version="1.0"?>\n<a x="1" y=\'2\'><b/><!-- c --><c>t &amp; &#x41;</c></a>').name, 'a');
    const bad = [
      '<a><b></a></b>', // crossed
      '<a>', // unclosed
      '<a x=1></a>', // unquoted
      '<a x="1" x="2"></a>', // repeated attribute
      '<a>1 < 2</a>', // raw <
      '<a>Tom & Jerry</a>', // bare &
      '<a>&nbsp;</a>', // unknown entity in XML
      '<a x="<"></a>', // raw < in attribute
      '<a></a><b></b>', // two roots
      'text<a></a>', // text outside root
      '<a x="1"y="2"></a>', // attributes not separated
    ];
    for (const text of bad) assert.throws(() => parseXml(text), Error, text);
  });

  it('in HTML mode accepts a doctype, void elements and raw style text', () => {
    const html = '<!DOCTYPE html><html><head><meta charset="utf-8"><style>a>b{x:1}</style></head><body><img src="x"><br></body></html>';
    assert.equal(parseXml(html, { html: true }).name, '#document');
    assert.throws(() => parseXml('<html><body><p></body></html>', { html: true }));
  });
});
