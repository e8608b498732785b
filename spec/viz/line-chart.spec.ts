import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { finiteRuns, lineChartSvg } from '../../src/viz/line-chart.ts';
import { findElements, textContent } from './xml-check.ts';
import { assertFiniteCoordinates, chartGeometry, seriesPolylines } from './chart-helpers.ts';

describe('lineChartSvg', () => {
  const points: [number, number][] = [[0, 1], [10, 3], [20, 2], [35, 6]];
  const svg = lineChartSvg({
    title: 'Loss <& friends>',
    xLabel: 'step',
    yLabel: 'loss',
    series: [{ name: 'a "quoted" series', points }],
  });

  it('is well-formed, with escaped title, axis labels and legend', () => {
    const { root } = chartGeometry(svg);
    const texts = findElements(root, 'text').map(textContent);
    assert.ok(texts.includes('Loss <& friends>'));
    assert.ok(texts.includes('step'));
    assert.ok(texts.includes('loss'));
    assert.ok(texts.includes('a "quoted" series'), 'legend entry');
  });

  it('puts every point where the documented mapping says', () => {
    const geometry = chartGeometry(svg);
    assert.deepEqual(geometry.xDomain, [0, 40]);
    assert.deepEqual(geometry.yDomain, [1, 6]);
    const lines = seriesPolylines(geometry.root, 'a "quoted" series');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.length, points.length);
    lines[0]!.forEach(([px, py], index) => {
      const [ex, ey] = geometry.toPixel(...points[index]!);
      assert.ok(Math.abs(px - ex) <= 0.006 && Math.abs(py - ey) <= 0.006, `point ${index}: (${px}, ${py}) vs (${ex}, ${ey})`);
    });
    // y grows upwards: the largest value is highest on screen.
    assert.ok(lines[0]![3]![1] < lines[0]![0]![1]);
  });

  it('labels nice ticks on both axes, ticks inside the domain', () => {
    const { root } = chartGeometry(svg);
    const group = (name: string) => findElements(root, 'g').find((g) => g.attributes.get('class') === name)!;
    assert.deepEqual(findElements(group('x-ticks'), 'text').map(textContent), ['0', '10', '20', '30', '40']);
    assert.deepEqual(findElements(group('y-ticks'), 'text').map(textContent), ['1', '2', '3', '4', '5', '6']);
  });

  it('splits a series at non-finite points and never writes NaN', () => {
    const broken = lineChartSvg({
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', points: [[1, 1], [2, Number.NaN], [3, 2], [4, Infinity], [5, 3], [6, 4]], markers: true }],
    });
    assert.ok(!/NaN|Infinity/.test(broken));
    const { root } = chartGeometry(broken);
    assertFiniteCoordinates(root);
    assert.deepEqual(seriesPolylines(root, 's').map((line) => line.length), [1, 1, 2]);
    assert.equal(findElements(root, 'circle').length, 4, 'one marker per finite point');
  });

  it('clips to a fixed domain and says so when there is no data', () => {
    const fixed = chartGeometry(lineChartSvg({ xLabel: 'x', yLabel: 'y', yDomain: [0, 1], series: [{ name: 's', points: [[0, 2], [1, 0.5]] }] }));
    assert.deepEqual(fixed.yDomain, [0, 1]);
    const empty = lineChartSvg({ xLabel: 'x', yLabel: 'y', series: [], emptyMessage: 'nothing yet' });
    assert.ok(findElements(chartGeometry(empty).root, 'text').map(textContent).includes('nothing yet'));
  });

  it('finiteRuns groups consecutive finite points', () => {
    assert.deepEqual(finiteRuns([[0, Number.NaN], [1, 1], [2, 2], [Number.NaN, 3], [4, 4]]), [[[1, 1], [2, 2]], [[4, 4]]]);
  });
});
