import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, formatDuration, type ReportInput } from '../../src/viz/report.ts';
import type { MetricsLine } from '../../src/viz/metrics.ts';
import { decodePng, encodePng } from '../../src/io/png.ts';
import { attribute, findElements, parseXml, textContent, type XmlElement } from './xml-check.ts';
import { CIFAR10_CLASS_NAMES } from '../../src/data/cifar10.ts';
import { FASHION_MNIST_CLASS_NAMES } from '../../src/data/idx.ts';
import { textWidth } from '../../src/viz/svg.ts';

const classNames = ['plane', 'car', 'bird'];
const metrics: MetricsLine[] = [
  { kind: 'step', epoch: 1, step: 1, examples: 4, loss: 1.2, lr: 0.1, seconds: 1 },
  { kind: 'step', epoch: 1, step: 2, examples: 8, loss: 1.0, lr: 0.1, seconds: 2 },
  { kind: 'epoch', epoch: 1, step: 2, trainLoss: 1.1, trainAccuracy: 0.5, validationAccuracy: 0.4, testAccuracy: 0.375, seconds: 95 },
];

function fullInput(): ReportInput {
  return {
    title: 'Run <1> & friends',
    subtitle: '2024-01-01',
    modelSummary: 'conv 3x3 <16>\nrelu',
    metrics,
    confusion: { trueLabels: [0, 1, 2, 2], predictedLabels: [0, 1, 1, 2], classNames },
    templates: { weights: { shape: [3, 3 * 2 * 2], data: new Float32Array(36).map((_, i) => Math.sin(i)) }, classNames, imageShape: [3, 2, 2] },
    filters: [
      { layerName: 'conv1', weights: { shape: [2, 3, 3, 3], data: new Float32Array(54).map((_, i) => Math.cos(i)) } },
      { layerName: 'conv2', weights: { shape: [2, 2, 3, 3], data: new Float32Array(36).map((_, i) => i % 5) } },
    ],
    activations: [{ layerName: 'relu1', shape: [2, 2, 2], maps: [0, 1, 2, 3, 4, 5, 6, 7] }],
    predictions: {
      classNames,
      examples: [{ image: { channels: 1, height: 2, width: 2, data: [0, 1, 2, 3] }, trueLabel: 1, probabilities: [0.7, 0.2, 0.1] }],
    },
    notes: 'First paragraph <b>.\n\nSecond & last.',
    encodePng,
  };
}

/** Every src, href and xlink:href in the document, and every url(...) in inline CSS. */
function references(root: XmlElement, html: string): string[] {
  const found: string[] = [];
  const visit = (element: XmlElement) => {
    for (const [name, value] of element.attributes) if (/^(src|href|xlink:href|action|poster|srcset)$/.test(name)) found.push(value);
    for (const child of element.children) if (typeof child !== 'string') visit(child);
  };
  visit(root);
  for (const match of html.matchAll(/url\(\s*['"]?([^'")]*)/g)) found.push(match[1]!);
  return found;
}

describe('buildReport', () => {
  const html = buildReport(fullInput());
  const root = parseXml(html, { html: true });

  it('is one well-formed HTML document with every section, in order', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    const ids = findElements(root, 'section').map((section) => attribute(section, 'id'));
    assert.deepEqual(ids, ['summary', 'model', 'curves', 'confusion', 'predictions', 'templates', 'filters', 'activations', 'notes']);
    const navTargets = findElements(findElements(root, 'nav')[0]!, 'a').map((a) => attribute(a, 'href'));
    assert.deepEqual(navTargets, ids.map((id) => `#${id}`));
    assert.equal(textContent(findElements(root, 'title')[0]!), 'Run <1> & friends');
  });

  it('loads nothing from outside: no scripts, no stylesheets, no external src/href/url()', () => {
    assert.equal(findElements(root, 'script').length, 0);
    assert.equal(findElements(root, 'link').length, 0);
    assert.ok(!/@import/i.test(html));
    const refs = references(root, html);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      assert.ok(/^(#|data:image\/png;base64,)/.test(ref), `only in-page anchors and inline images, got ${ref.slice(0, 60)}`);
      assert.ok(!/^(https?:)?\/\//i.test(ref));
    }
  });

  it('inlines decodable PNGs for templates, filters, activations and predictions', () => {
    const uris = references(root, html).filter((ref) => ref.startsWith('data:'));
    // 1 templates + 2 filter layers + 1 activation layer + 1 prediction; SVG images carry href and xlink:href.
    assert.equal(new Set(uris).size, 5);
    for (const uri of uris) {
      const image = decodePng(new Uint8Array(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')));
      assert.equal(image.channels, 3);
    }
  });

  it('shows the key figures, the model summary, the confusion counts and the escaped notes', () => {
    const key = textContent(findElements(root, 'section')[0]!);
    for (const figure of ['37.5%', 'test accuracy', '40.0%', '50.0%', '1 min 35 s']) assert.ok(key.includes(figure), figure);
    assert.equal(textContent(findElements(root, 'pre')[0]!), 'conv 3x3 <16>\nrelu');
    const cells = findElements(root, 'g').filter((g) => g.attributes.get('class') === 'cell');
    const count = (t: number, p: number) =>
      textContent(findElements(cells.find((c) => attribute(c, 'data-true') === String(t) && attribute(c, 'data-predicted') === String(p))!, 'text')[0]!);
    assert.equal(count(2, 1), '1');
    assert.equal(count(2, 2), '1');
    assert.equal(count(0, 0), '1');
    assert.equal(count(1, 0), '0');
    const notes = findElements(root, 'p').map(textContent);
    assert.ok(notes.includes('First paragraph <b>.') && notes.includes('Second & last.'));
    assert.match(textContent(findElements(root, 'section')[4]!), /1 of 1 wrong/);
  });

  it('leaves out sections without data, and the nav when only one section is left', () => {
    const bare = buildReport({ title: 'bare', modelSummary: 'fc' });
    const bareRoot = parseXml(bare, { html: true });
    assert.deepEqual(findElements(bareRoot, 'section').map((s) => attribute(s, 'id')), ['model']);
    assert.equal(findElements(bareRoot, 'nav').length, 0);
    const curves = parseXml(buildReport({ title: 'steps only', metrics: metrics.slice(0, 2) }), { html: true });
    assert.deepEqual(findElements(curves, 'section').map((s) => attribute(s, 'id')), ['summary', 'curves']);
    assert.equal(findElements(curves, 'svg').length, 1, 'no accuracy chart without epoch lines');
  });

  it('without an encoder, draws its pictures with the portable PNG encoder (same pixels, no node:zlib)', () => {
    const { encodePng: _unused, ...withoutEncoder } = fullInput();
    const portable = buildReport(withoutEncoder);
    const withZlib = buildReport(fullInput());
    const images = (html: string): string[] => [...html.matchAll(/data:image\/png;base64,([A-Za-z0-9+/=]+)/g)].map((m) => m[1]!);
    const portableImages = images(portable);
    assert.ok(portableImages.length > 0, 'the report has pictures');
    assert.equal(portableImages.length, images(withZlib).length);
    portableImages.forEach((base64, i) => {
      const a = decodePng(Buffer.from(base64, 'base64'), `portable #${i}`);
      const b = decodePng(Buffer.from(images(withZlib)[i]!, 'base64'), `zlib #${i}`);
      assert.deepEqual([a.width, a.height, a.channels], [b.width, b.height, b.channels]);
      assert.deepEqual(a.pixels, b.pixels);
    });
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(4.25), '4.3 s');
    assert.equal(formatDuration(95), '1 min 35 s');
    assert.equal(formatDuration(3725), '1 h 2 min');
  });
});

describe('buildReport, with how the training ended', () => {
  /** Key figures as (label → value) pairs. */
  function keyFigures(html: string): Map<string, string> {
    const key = findElements(parseXml(html, { html: true }), 'section')[0]!;
    return new Map(findElements(key, 'div').slice(1).map((div) => [textContent(findElements(div, 'span')[0]!), textContent(findElements(div, 'b')[0]!)]));
  }
  // A run stopped by its time budget at step 1199, inside epoch 1: the log's last step line is 1150.
  const steps: MetricsLine[] = [1050, 1100, 1150].map((step) => ({ kind: 'step', epoch: 1, step, examples: 32 * step, loss: 1.5, lr: 0.002, seconds: step / 12 }));
  const end = { steps: 1199, seconds: 100.2, epochs: 0.767, partialEpochTrainAccuracy: 0.3512, test: { accuracy: 0.4237, count: 10_000 } };

  it('takes steps, time, epochs and accuracies from the end, not from the last logged step', () => {
    const figures = keyFigures(buildReport({ title: 'budget', metrics: steps, end }));
    assert.deepEqual([...figures], [
      ['test accuracy (10,000 images)', '42.4%'],
      ['train accuracy (epoch 1, so far)', '35.1%'],
      ['epochs', '0.77'],
      ['steps', '1199'],
      ['training time', '1 min 40 s'],
    ]);
    // Without the end, the same log says what it can: the last logged step, no accuracy.
    assert.deepEqual([...keyFigures(buildReport({ title: 'log only', metrics: steps }))], [['steps', '1150'], ['training time', '1 min 36 s']]);
  });

  it('draws the accuracy chart next to the loss chart even before the first epoch ended', () => {
    const root = parseXml(buildReport({ title: 'budget', metrics: steps, end, confusion: { trueLabels: [0], predictedLabels: [0], classNames } }), { html: true });
    const curves = findElements(root, 'section').find((section) => attribute(section, 'id') === 'curves')!;
    const charts = findElements(curves, 'svg');
    assert.equal(charts.length, 2);
    const texts = findElements(charts[1]!, 'text').map(textContent);
    assert.ok(texts.includes('chance (33.3%)'), texts.join('|'));
    assert.ok(texts.includes('Accuracy per epoch · training stopped at 0.77 epochs (vertical line)'), texts[0]);
    const names = findElements(charts[1]!, 'g').map((g) => g.attributes.get('data-name')).filter(Boolean);
    assert.deepEqual(names, ['train', 'test', 'chance (33.3%)']);
  });

  it('after complete epochs, reports the final test evaluation and the last epoch\'s train accuracy', () => {
    const figures = keyFigures(buildReport({ title: 'done', metrics, end: { steps: 2, seconds: 95, epochs: 1, test: { accuracy: 0.5, count: 4 } } }));
    assert.equal(figures.get('test accuracy (4 images)'), '50.0%');
    assert.equal(figures.get('validation accuracy'), '40.0%');
    assert.equal(figures.get('train accuracy (epoch 1)'), '50.0%');
    assert.equal(figures.get('epoch'), '1');
  });

  it('lays out prediction cards so that every CIFAR-10 and Fashion-MNIST class name fits, and wraps instead of cutting', () => {
    const html = buildReport(fullInput());
    const column = /\.prediction li\{[^}]*grid-template-columns:(\d+)px /.exec(html);
    assert.ok(column, 'the name column has a fixed width');
    const longest = Math.max(...[...CIFAR10_CLASS_NAMES, ...FASHION_MNIST_CLASS_NAMES].map((name) => textWidth(name, 12)));
    assert.ok(Number(column[1]) >= longest, `name column ${column[1]} px < ${longest} px`);
    const nameRule = /\.prediction li \.name\{([^}]*)\}/.exec(html)![1]!;
    assert.doesNotMatch(nameRule, /ellipsis|overflow:hidden|nowrap/);
    assert.match(nameRule, /overflow-wrap:anywhere/);
  });
});
