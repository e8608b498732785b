import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyChartSvg, defaultSmoothing, formatPercent, lossChartSvg, smoothExponential } from '../../src/viz/training-curves.ts';
import type { MetricsLine } from '../../src/viz/metrics.ts';
import { attribute, findElements, textContent } from './xml-check.ts';
import { assertFiniteCoordinates, chartGeometry, seriesPolylines } from './chart-helpers.ts';

/** A small run: 3 epochs of 4 logged steps, loss falling, accuracies rising. */
function run(): MetricsLine[] {
  const lines: MetricsLine[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= 3; epoch++) {
    for (let i = 0; i < 4; i++) {
      step++;
      lines.push({ kind: 'step', epoch, step, examples: step * 16, loss: 2.5 / step + (i % 2) * 0.1, lr: 0.1, seconds: step });
    }
    lines.push({
      kind: 'epoch', epoch, step, trainLoss: 1 / epoch, trainAccuracy: 0.3 + 0.2 * epoch,
      validationAccuracy: 0.25 + 0.15 * epoch, seconds: step + 0.5,
    });
  }
  return lines;
}

describe('smoothExponential', () => {
  it('is bias-corrected: a constant stays constant, and the start is not dragged to zero', () => {
    assert.deepEqual(smoothExponential([3, 3, 3], 0.9).map((v) => Number(v.toFixed(12))), [3, 3, 3]);
    // β = 0.5: s1 = 0.5·2 = 1 → 1/(1-0.5) = 2; s2 = 0.5·1 + 0.5·4 = 2.5 → 2.5/(1-0.25) = 10/3.
    const [first, second] = smoothExponential([2, 4], 0.5);
    assert.equal(first, 2);
    assert.ok(Math.abs(second! - 10 / 3) < 1e-12);
  });

  it('leaves gaps for non-finite values without disturbing the average', () => {
    const smoothed = smoothExponential([2, Number.NaN, 4], 0.5);
    assert.ok(Number.isNaN(smoothed[1]!));
    assert.ok(Math.abs(smoothed[2]! - 10 / 3) < 1e-12);
    assert.deepEqual(smoothExponential([1, 5], 0), [1, 5]);
  });

  it('defaults to a window of about a tenth of the points', () => {
    assert.equal(defaultSmoothing(5), 0);
    assert.equal(defaultSmoothing(100), 0.9);
    assert.equal(defaultSmoothing(100000), 0.98);
  });
});

describe('lossChartSvg', () => {
  it('has one raw point per step line at the right coordinates, and a smoothed curve', () => {
    const lines = run();
    const svg = lossChartSvg(lines, { smoothing: 0.5 });
    const geometry = chartGeometry(svg);
    assertFiniteCoordinates(geometry.root);
    const steps = lines.filter((line) => line.kind === 'step');
    const raw = seriesPolylines(geometry.root, 'mini-batch loss');
    assert.equal(raw.length, 1);
    assert.equal(raw[0]!.length, steps.length);
    raw[0]!.forEach(([px, py], index) => {
      const line = steps[index]!;
      const [ex, ey] = geometry.toPixel(line.step, line.loss);
      assert.ok(Math.abs(px - ex) <= 0.006 && Math.abs(py - ey) <= 0.006, `step ${line.step}`);
    });
    const smoothed = seriesPolylines(geometry.root, 'smoothed (EMA β = 0.5)');
    assert.equal(smoothed[0]!.length, steps.length);
    const expected = smoothExponential(steps.map((line) => line.loss), 0.5);
    smoothed[0]!.forEach(([, py], index) => assert.ok(Math.abs(py - geometry.toPixel(0, expected[index]!)[1]) <= 0.006));
  });

  it('marks epoch boundaries (not after the last epoch) and splits at a diverged step', () => {
    const lines = run();
    lines[5] = { ...(lines[5] as Extract<MetricsLine, { kind: 'step' }>), loss: Number.NaN };
    const svg = lossChartSvg(lines);
    assert.ok(!svg.includes('NaN'));
    const { root } = chartGeometry(svg);
    const markers = findElements(root, 'g').find((g) => g.attributes.get('class') === 'markers')!;
    assert.deepEqual(findElements(markers, 'text').map(textContent), ['epoch 1', 'epoch 2']);
    // lines[5] is step 5 (line 4 is epoch 1's line): steps 1-4, a gap, steps 6-12.
    assert.deepEqual(seriesPolylines(root, 'mini-batch loss').map((line) => line.length), [4, 7]);
  });

  it('draws validation loss when the epoch lines carry it', () => {
    const lines = run().map((line) => (line.kind === 'epoch' ? { ...line, validationLoss: 1.5 / line.epoch } : line));
    const { root } = chartGeometry(lossChartSvg(lines));
    assert.equal(seriesPolylines(root, 'validation loss')[0]!.length, 3);
  });
});

describe('accuracyChartSvg', () => {
  it('plots one marked point per epoch line for each set present, in percent', () => {
    const lines = run();
    const geometry = chartGeometry(accuracyChartSvg(lines));
    const epochs = lines.filter((line) => line.kind === 'epoch');
    for (const [name, read] of [
      ['train', (line: (typeof epochs)[number]) => line.trainAccuracy],
      ['validation', (line: (typeof epochs)[number]) => line.validationAccuracy!],
    ] as const) {
      const [points] = seriesPolylines(geometry.root, name);
      assert.equal(points!.length, epochs.length);
      points!.forEach(([px, py], index) => {
        const [ex, ey] = geometry.toPixel(epochs[index]!.epoch, read(epochs[index]!));
        assert.ok(Math.abs(px - ex) <= 0.006 && Math.abs(py - ey) <= 0.006, `${name} epoch ${index + 1}`);
      });
    }
    assert.equal(findElements(geometry.root, 'circle').length, 6);
    assert.ok(!findElements(geometry.root, 'g').some((g) => g.attributes.get('data-name') === 'test'), 'no test series without test accuracy');
    assert.ok(geometry.yDomain[0] >= 0 && geometry.yDomain[1] <= 1);
    const yTicks = findElements(geometry.root, 'g').find((g) => g.attributes.get('class') === 'y-ticks')!;
    for (const label of findElements(yTicks, 'text').map(textContent)) assert.match(label, /^\d+%$/);
    const xTicks = findElements(geometry.root, 'g').find((g) => g.attributes.get('class') === 'x-ticks')!;
    for (const label of findElements(xTicks, 'text').map(textContent)) assert.match(label, /^\d+$/, 'whole epochs only');
    assert.equal(attribute(geometry.root, 'width'), '720');
  });

  it('formats fractions as percentages', () => {
    assert.equal(formatPercent(0.25, 0.05), '25%');
    assert.equal(formatPercent(0.125, 0.005), '12.5%');
  });

  it('adds the end of a run stopped inside an epoch as a last point, with a marker, and the chance level', () => {
    const lines = run();
    const end = { epochs: 3.25, trainAccuracy: 0.93, testAccuracy: 0.81 };
    const geometry = chartGeometry(accuracyChartSvg(lines, { end, chance: 0.1 }));
    const [train] = seriesPolylines(geometry.root, 'train');
    assert.equal(train!.length, 4);
    const [ex, ey] = geometry.toPixel(3.25, 0.93);
    assert.ok(Math.abs(train![3]![0] - ex) <= 0.006 && Math.abs(train![3]![1] - ey) <= 0.006);
    const [test] = seriesPolylines(geometry.root, 'test');
    assert.equal(test!.length, 1, 'the log has no test accuracy: only the final one');
    const [tx, ty] = geometry.toPixel(3.25, 0.81);
    assert.ok(Math.abs(test![0]![0] - tx) <= 0.006 && Math.abs(test![0]![1] - ty) <= 0.006);
    const [chance] = seriesPolylines(geometry.root, 'chance (10%)');
    const [c0, c1] = [geometry.toPixel(0, 0.1), geometry.toPixel(4, 0.1)];
    assert.deepEqual(chance!.map(([x, y]) => [Number(x.toFixed(1)), Number(y.toFixed(1))]), [c0, c1].map(([x, y]) => [Number(x.toFixed(1)), Number(y.toFixed(1))]));
    assert.equal(textContent(findElements(geometry.root, 'text')[0]!), 'Accuracy per epoch · training stopped at 3.25 epochs (vertical line)');
    const marker = findElements(geometry.root, 'g').find((g) => g.attributes.get('class') === 'markers')!;
    assert.equal(Number(attribute(findElements(marker, 'line')[0]!, 'x1')).toFixed(1), geometry.toPixel(3.25, 0)[0].toFixed(1));
    // A run that ended on an epoch's end gets no extra point: the epoch line is that point.
    const finished = chartGeometry(accuracyChartSvg(lines, { end: { epochs: 3, trainAccuracy: 0.5 } }));
    assert.equal(seriesPolylines(finished.root, 'train')[0]!.length, 3);
  });

  it('draws a run stopped before its first epoch ended as its end point against chance, on whole-epoch ticks', () => {
    const steps = run().filter((line) => line.kind === 'step').slice(0, 3);
    const geometry = chartGeometry(accuracyChartSvg(steps, { end: { epochs: 0.77, trainAccuracy: 0.42, testAccuracy: 0.45 }, chance: 0.1 }));
    assert.deepEqual(geometry.xDomain, [0, 1]);
    assert.equal(findElements(geometry.root, 'circle').length, 2);
    assert.ok(!findElements(geometry.root, 'text').map(textContent).includes('no epoch lines in the metrics log'));
  });

  it('dots a loss log of a single step line, which no polyline can show', () => {
    const one = run().slice(0, 1);
    const { root } = chartGeometry(lossChartSvg(one));
    const raw = findElements(root, 'g').find((g) => g.attributes.get('data-name') === 'mini-batch loss')!;
    assert.equal(findElements(raw, 'circle').length, 1);
    assert.equal(findElements(chartGeometry(lossChartSvg(run())).root, 'circle').length, 0);
  });

  it('renders an empty chart with a message when there are no epoch lines', () => {
    const { root } = chartGeometry(accuracyChartSvg([]));
    assert.ok(findElements(root, 'text').map(textContent).includes('no epoch lines in the metrics log'));
  });
});
