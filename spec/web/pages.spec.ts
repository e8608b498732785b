/**
 * The browser pages in real, headless Chromium (Debian's `chromium`; .ci/run installs it), driven over
 * the DevTools protocol by spec/web/chromium.ts — no npm driver. The pages come from the demo server.
 *
 * For every page: no console error or uncaught exception, no response ≥ 400, no request to anything
 * but the demo server on 127.0.0.1, and a screenshot in runs/browser/ for people to look at. Then:
 *   circuit      the lecture's numbers on the wires, and a bad input leaves them standing;
 *   classify2d   ≥ 95 % training accuracy on the spiral with the page's defaults;
 *   cifar10      K steps of the demo net in the page's worker — serial, and split with a helper Web
 *                Worker over SharedArrayBuffers — give exactly the weights hash Node gives for the same
 *                seed and data; a model saved by the page loads in the CLI, and one made
 *                in Node loads in the page; bad model files get an inline message and training goes on.
 * Speed (examples/s in the page) is printed as a diagnostic, never asserted.
 *
 * The server gets the embedded generated image set, not CIFAR-10: the same code path in the page
 * minus 60 MB of downloads, which keeps this spec short (the batch serving is in demo-server.spec.ts,
 * the record parsing in cifar10-data.spec.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONVNETJS_CIFAR10_NET } from '../../src/cli/train-setup.ts';
import { loadModel } from '../../src/cli/model-loading.ts';
import { writeFileAtomicSync } from '../../src/io/atomic-write.ts';
import { ensureBuilt, BUILD_ROOT, PAGES_ROOT, REPOSITORY_ROOT } from '../../src/web-server/build.ts';
import { generatedOnly } from '../../src/web-server/cifar10-batches.ts';
import { startDemoServer, type DemoServer } from '../../src/web-server/static-server.ts';
import { generatedSplits } from '../../src/web/cifar10-data.ts';
import { EXPLAIN_NET } from '../../src/web/explain-protocol.ts';
import { DEFAULT_SETTINGS, DEMO_NET, TrainingSession, weightsHash } from '../../src/web/training-session.ts';
import { type Chromium, Page, findChromium } from './chromium.ts';
import { sharedChromium } from './shared-chromium.ts';

const CHROMIUM = findChromium();
const SKIP = CHROMIUM ? false : 'chromium is not installed (apt-get install chromium; .ci/run does it when it can): browser pages not tested';
const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'runs', 'browser');
/** Training steps compared between the page and Node. */
const HASH_STEPS = 5;

describe('browser pages in headless Chromium', { skip: SKIP }, () => {
  let server: DemoServer;
  let browser: Chromium;
  /** "status path" of every request the server answered for the current page. */
  const served: string[] = [];

  before(async () => {
    ensureBuilt();
    server = await startDemoServer({ port: 0, pagesRoot: PAGES_ROOT, scriptsRoot: BUILD_ROOT, data: generatedOnly('browser spec'),
      onRequest: (_method, url, status) => served.push(`${status} ${url}`),
    });
    browser = await sharedChromium(CHROMIUM as string);
  });
  after(async () => {
    await server?.close();
  });

  /** Opens a page, waits until it says it is ready, runs `check`, screenshots it, and checks its log. */
  async function visit(name: string, check: (page: Page) => Promise<void>, readyTimeoutMs = 30_000): Promise<void> {
    const page = await Page.open(browser);
    try {
      served.length = 0;
      await page.goto(`${server.url}${name}.html`);
      // Pages with a script say when they are drawn; the index has none.
      const ready = name === 'index' ? `document.readyState === 'complete'` : 'document.body.dataset.ready';
      await page.waitFor(ready, readyTimeoutMs, `${name} to be ready`);
      await check(page);
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      writeFileAtomicSync(path.join(SCREENSHOTS, `${name}.png`), await page.screenshot());
      assert.deepEqual(page.log.errors, [], `${name}: console errors`);
      assert.deepEqual(page.log.failures, [], `${name}: failed requests`);
      const outside = page.log.requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:'));
      assert.deepEqual(outside, [], `${name}: requests that leave the demo server`);
      // Headless Chromium never asks for favicons itself, so the page fetches the one it declares.
      assert.equal(await page.evaluate<number>(`fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)`), 200);
      // What the server saw: nothing got an error status.
      assert.deepEqual(served.filter((line) => !line.startsWith('200 ')), [], `${name}: error statuses`);
    } finally {
      // The demos train for as long as their tab is open: closed, they leave the CPU to the next page.
      // (If a check above failed, that failure is the one to report, not the closing.)
      await page.close().catch(() => undefined);
    }
  }

  const number = (page: Page, id: string) => page.evaluate<number>(`Number(document.getElementById(${JSON.stringify(id)}).dataset.number)`);

  it('index: lists the three demos', async () => {
    await visit('index', async (page) => {
      const links = await page.evaluate<string[]>(`[...document.querySelectorAll('.cards a')].map((a) => a.getAttribute('href'))`);
      assert.deepEqual(links, ['/circuit.html', '/classify2d.html', '/cifar10.html']);
    });
  });

  it('circuit: f = (x+y)·z with x=-2, y=5, z=-4 gives f=-12, ∂f/∂x=∂f/∂y=-4, ∂f/∂z=3; the sigmoid neuron; bad input keeps the drawing', async () => {
    await visit('circuit', async (page) => {
      assert.equal(await number(page, 'wire-f-value'), -12);
      assert.equal(await number(page, 'wire-q-value'), 3);
      assert.equal(await number(page, 'wire-x-grad'), -4);
      assert.equal(await number(page, 'wire-y-grad'), -4);
      assert.equal(await number(page, 'wire-z-grad'), 3);
      assert.equal(await number(page, 'wire-f-grad'), 1);
      // σ(2·(-1) + (-3)·(-2) - 3) = σ(1); ∂f/∂s = σ(1)(1 - σ(1)) = 0.19661; ∂f/∂w_i = x_i·0.19661, ∂f/∂x_i = w_i·0.19661.
      const sigma = 1 / (1 + Math.exp(-1));
      const local = sigma * (1 - sigma);
      const expected: Record<string, number> = {
        'neuron-f-value': sigma, 'neuron-w0-grad': -1 * local, 'neuron-x0-grad': 2 * local, 'neuron-w1-grad': -2 * local,
        'neuron-x1-grad': -3 * local, 'neuron-w2-grad': local,
      };
      for (const [id, value] of Object.entries(expected)) assert.ok(Math.abs((await number(page, id)) - value) < 1e-6, `${id}: ${await number(page, id)} vs ${value}`);
      // Editing an input recomputes; an empty field shows a message and leaves the last circuit drawn.
      await page.evaluate(`(() => { const x = document.getElementById('input-x'); x.value = '1'; x.dispatchEvent(new Event('input')); })()`);
      assert.equal(await number(page, 'wire-f-value'), -24);
      await page.evaluate(`(() => { const x = document.getElementById('input-x'); x.value = ''; x.dispatchEvent(new Event('input')); })()`);
      assert.match(await page.evaluate<string>(`document.getElementById('error-sum-times').textContent`), /x: expected a number/);
      assert.equal(await number(page, 'wire-f-value'), -24);
      await page.evaluate(`(() => { const x = document.getElementById('input-x'); x.value = '-2'; x.dispatchEvent(new Event('input')); })()`);
      assert.equal(await number(page, 'wire-f-value'), -12);
      assert.equal(await page.evaluate<string>(`document.getElementById('error-sum-times').textContent`), '');
    });
  });

  it('classify2d: reaches ≥ 95 % training accuracy on the spiral; a bad width leaves the running net alone', async () => {
    await visit('classify2d', async (page) => {
      const accuracy = await page.waitFor<string>(
        `Number(document.body.dataset.accuracy) >= 0.95 && document.body.dataset.accuracy`, 90_000, 'spiral accuracy ≥ 95 %',
      );
      assert.ok(Number(accuracy) >= 0.95);
      const definitionBefore = await page.evaluate<string>(`document.getElementById('definition').textContent`);
      const stepBefore = Number(await page.evaluate<string>('document.body.dataset.step'));
      await page.evaluate(`(() => { document.getElementById('width').value = '0'; document.getElementById('apply').click(); })()`);
      assert.match(await page.evaluate<string>(`document.getElementById('error').textContent`), /width: expected an integer from 1 to 500, got 0/);
      assert.equal(await page.evaluate<string>(`document.getElementById('definition').textContent`), definitionBefore);
      await page.waitFor(`Number(document.body.dataset.step) > ${stepBefore}`, 30_000, 'training to go on');
      assert.ok(Number(await page.evaluate<string>('document.body.dataset.accuracy')) >= 0.95, 'the trained net was kept');
      await page.evaluate(`document.getElementById('width').value = '50'`);
    });
  });

  it(`cifar10: ${HASH_STEPS} steps of the demo net in the page's worker give the weights hash Node gives; model files cross both ways`, async (t) => {
    assert.equal(DEMO_NET, CONVNETJS_CIFAR10_NET, 'the page trains the CLI\'s demo net');
    const node = new TrainingSession(generatedSplits(), { ...DEFAULT_SETTINGS, augment: false });
    await node.advance(HASH_STEPS);
    assert.equal(node.steps, HASH_STEPS);
    const nodeHash = await weightsHash(node.net);
    await visit('cifar10', async (page) => {
      assert.equal(await page.evaluate<boolean>('crossOriginIsolated'), true, 'COOP/COEP make the page crossOriginIsolated');
      for (const threads of [1, 2]) {
        const reply = await page.evaluate<{ hash: string; steps: number; seconds: number }>(`cifar10Demo.hashCheck(${HASH_STEPS}, ${threads})`);
        assert.equal(reply.steps, HASH_STEPS);
        assert.equal(reply.hash, nodeHash, `${threads} computing thread(s) in the page`);
        t.diagnostic(`page, ${threads} thread(s): ${HASH_STEPS} steps in ${reply.seconds.toFixed(2)} s (not asserted)`);
      }
      t.diagnostic(`weights after ${HASH_STEPS} Adam steps (batch 32, seed 1, generated set): sha256 ${nodeHash} in Node and in Chromium, serial and with a helper worker`);

      // Bad model files: an inline message each, and the running network keeps training.
      const fashionModel = JSON.stringify({ ...node.modelFile(), inputShape: [1, 28, 28] });
      const bad: Array<[string, RegExp]> = [
        ['this is not json', /not JSON/],
        [JSON.stringify({ format: 'something-else', version: 1 }), /not a convnet-ts model file/],
        [fashionModel, /'inputShape' is \(1, 28, 28\) but the definition's input layer is \(3, 32, 32\)/],
      ];
      for (const [text, message] of bad) {
        assert.match(await page.evaluate<string>(`cifar10Demo.loadModelText(${JSON.stringify(text)}, 'bad.json')`), message);
      }
      const truncated = { ...node.modelFile(), layers: node.modelFile().layers.slice(0, 3) };
      assert.equal(await page.evaluate(`cifar10Demo.loadModelText(${JSON.stringify(JSON.stringify(truncated))}, 'truncated.json')`), null);
      await page.waitFor(`/the file has 3 layers, the network 11/.test(cifar10Demo.errorText())`, 30_000, 'the worker to refuse the truncated model');
      const stepsBefore = Number(await page.evaluate<string>('document.body.dataset.steps ?? "0"'));
      await page.waitFor(`Number(document.body.dataset.steps) > ${stepsBefore}`, 60_000, 'training to go on after the bad files');

      // A model made in Node (the CLI's format) loads in the page …
      const nodeModel = JSON.stringify(node.modelFile());
      assert.equal(await page.evaluate(`cifar10Demo.loadModelText(${JSON.stringify(nodeModel)}, 'node-model.json')`), null);
      await page.waitFor(`document.getElementById('data-status').textContent.includes('weights from node-model.json')`, 30_000, 'the Node model to load');
      // … and the page's model loads in the CLI.
      const saved = await page.evaluate<string>('cifar10Demo.savedModelText()');
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-ts-page-model-'));
      try {
        writeFileAtomicSync(path.join(folder, 'model.json'), saved);
        const loaded = loadModel(folder);
        assert.equal(loaded.net.layers.length, node.net.layers.length);
        assert.deepEqual(loaded.file.definition, node.definition);
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
      await page.waitFor(`Number(document.body.dataset.pictures) >= 2`, 60_000, 'pictures of the loaded net');
      t.diagnostic(`CIFAR-10 page: ${await page.evaluate<string>('document.body.dataset.examplesPerSecond')} examples/s (batch 32, ${await page.evaluate<string>('document.body.dataset.threads')} computing thread(s); not asserted)`);
      t.diagnostic(await page.evaluate<string>(`document.getElementById('data-status').textContent`));
    }, 120_000);
  });

  it('explain: occlusion and saliency of test image 0 drawn for the net trained in the page; a bad model file gets an inline message, a good one loads; class models; t-SNE', async (t) => {
    /** [width, height, distinct colours] of the first canvas `selector` finds. */
    const canvasStats = (page: Page, selector: string) => page.evaluate<[number, number, number]>(`(() => {
      const canvas = document.querySelector(${JSON.stringify(selector)});
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set();
      for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return [canvas.width, canvas.height, colours.size];
    })()`);
    /** Hands `text` to the page's file picker as a file named `name`, as a user's choice would. */
    const pickFile = (page: Page, text: string, name: string) => page.evaluate(`(() => {
      const input = document.getElementById('load');
      const files = new DataTransfer();
      files.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'application/json' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change'));
    })()`);
    // A model made in Node in the CLI's format: the page's small net after a few steps.
    const node = new TrainingSession(generatedSplits(), { ...DEFAULT_SETTINGS, definitionText: EXPLAIN_NET, augment: false });
    await node.advance(30);
    const nodeModel = JSON.stringify(node.modelFile());
    const started = performance.now();
    const mark = (what: string) => t.diagnostic(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await visit('explain', async (page) => {
      mark('ready');
      assert.equal(await page.evaluate<string>('document.body.dataset.explained'), '0');
      for (const id of ['image', 'occlusion', 'saliency']) {
        const [width, height, colours] = await canvasStats(page, `#${id}`);
        assert.deepEqual([width, height], [128, 128], `${id}: the 32×32 test image drawn 4× larger`);
        assert.ok(colours > 10, `${id}: ${colours} distinct colours, expected a picture`);
      }
      assert.equal(await page.evaluate<number>(`document.querySelectorAll('#top-classes .bar').length`), 3, 'top-3 classes');
      assert.match(await page.evaluate<string>(`document.getElementById('occlusion-caption').textContent`), /occlusion 8×8, stride 4/);
      t.diagnostic(await page.evaluate<string>(`document.getElementById('status').textContent`));

      // A file that is not JSON: an inline message naming it, and the page goes on explaining.
      await pickFile(page, 'this is not json', 'bad.json');
      await page.waitFor(`/bad\\.json: not JSON/.test(explainDemo.errorText())`, 10_000, 'the inline message for bad.json');
      await page.evaluate(`(() => { const input = document.getElementById('image-index'); input.value = '1'; input.dispatchEvent(new Event('change')); })()`);
      await page.waitFor(`document.body.dataset.explained === '1'`, 10_000, 'test image 1 to be explained after the bad file');
      assert.equal(await page.evaluate<string>('explainDemo.errorText()'), '');
      mark('index 1');

      // A model made in Node loads through the same file picker (the class models of the page's own
      // net, still being drawn, are dropped) and is explained.
      const explanations = Number(await page.evaluate<string>('document.body.dataset.explanations'));
      await pickFile(page, nodeModel, 'node-model.json');
      await page.waitFor(`Number(document.body.dataset.explanations) > ${explanations}`, 10_000, 'node-model.json to be explained');
      assert.match(await page.evaluate<string>(`document.getElementById('model-source').textContent`), /node-model\.json/);
      mark('node model');

      // The t-SNE map behind its button (300 test images, seed 1).
      await page.evaluate(`document.getElementById('tsne').click()`);
      await page.waitFor(`document.body.dataset.tsne === '300'`, 30_000, 'the t-SNE map');
      const [side, , colours] = await canvasStats(page, '#tsne-map');
      assert.ok(side > 300 && colours > 100, `t-SNE map: ${side} px, ${colours} colours`);
      t.diagnostic(await page.evaluate<string>(`document.getElementById('tsne-caption').textContent`));
      mark('t-SNE');

      // The loaded net's class models: one picture per class, drawn as each is done.
      await page.waitFor(`document.querySelectorAll('#class-models canvas').length === 10`, 30_000, 'the class models of node-model.json');
      assert.match(await page.evaluate<string>(`document.querySelector('#class-models figcaption').textContent`), /^disc\nscore/);
      const [modelWidth, , modelColours] = await canvasStats(page, '#class-models canvas');
      assert.ok(modelWidth === 96 && modelColours > 10, `class model of 'disc': ${modelWidth} px wide, ${modelColours} colours`);
      mark('class models');
    });
  });
});
