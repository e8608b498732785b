/// <reference lib="dom" />
/**
 * The Explain page: what a network learned, drawn from the library's explanation methods
 * (src/explain/). A Web Worker (explain-worker.ts) owns the data and the network — by default a small
 * convnet it trains for a few seconds on the data the server offers, or a model.json loaded here —
 * and computes; this page draws what it reports with the viz module's pictures:
 *
 *   the chosen test image, its occlusion map and saliency map (heatMapOverlay), its top-3 classes;
 *   one class-model image per class (tileImages, each stretched to full contrast);
 *   behind a button, the t-SNE map of the first N test images (imageMap, borders in the class colours).
 *
 * A model file is parsed and its header checked here first; a file that is not JSON, not a convnet-ts
 * model, or for other images gets an inline message naming the problem, and the current network stays.
 */
import { DataError } from '../errors.ts';
import { validateModelFile } from '../nn/model-file.ts';
import { heatMapOverlay } from '../viz/heat-map.ts';
import type { PlanarImage } from '../viz/image-grid.ts';
import { tileImages } from '../viz/image-grid.ts';
import { imageMap } from '../viz/image-map.ts';
import { topClasses } from '../viz/predictions.ts';
import { PALETTE } from '../viz/svg.ts';
import type { FromExplainWorker, ToExplainWorker } from './explain-protocol.ts';
import { element, paintPixels, readNumber, showError } from './page-common.ts';

/** Upscaling of the 32×32 test image and its maps. */
const SCALE = 4;

const worker = new Worker(new URL('./explain-worker.js', import.meta.url), { type: 'module' });
const send = (message: ToExplainWorker) => worker.postMessage(message);
const errorLine = element('error', HTMLElement);
const indexInput = element('image-index', HTMLInputElement);
let classNames: string[] = [];
let testCount = 0;

/** What the worker reports for one test image. */
type Explanation = Extract<FromExplainWorker, { type: 'explanation' }>;

function drawExplanation(reply: Explanation): void {
  const picture: PlanarImage = { channels: reply.channels, height: reply.height, width: reply.width, data: reply.image };
  const name = (k: number) => classNames[k] ?? `class ${k}`;
  paintPixels(element('image', HTMLCanvasElement), tileImages([picture], { scale: SCALE, padding: 0, normalize: { min: 0, max: 255 } }).image);
  const predicted = topClasses(reply.probabilities, 1)[0]!;
  element('image-caption', HTMLElement).textContent =
    `test image ${reply.index}: ${name(reply.label)}\npredicted ${name(predicted)} (${(100 * reply.probabilities[predicted]!).toFixed(0)} %)`;
  const map = (values: Float32Array) => ({ height: reply.height, width: reply.width, values });
  paintPixels(element('occlusion', HTMLCanvasElement), heatMapOverlay(picture, map(reply.occlusion), { scale: SCALE, lowIsHot: true }));
  element('occlusion-caption', HTMLElement).textContent =
    `occlusion ${reply.occlusionSize}×${reply.occlusionSize}, stride ${reply.occlusionStride}\n` +
    `p(${name(reply.label)}) ${reply.baseline.toFixed(2)} → min ${reply.lowest.toFixed(2)} (hot = lowest)`;
  paintPixels(element('saliency', HTMLCanvasElement), heatMapOverlay(picture, map(reply.saliency), { scale: SCALE, opacity: 0.9 }));
  element('saliency-caption', HTMLElement).textContent = `saliency of '${name(reply.label)}'\n|∂score/∂pixel|, max over channels`;

  const bars = element('top-classes', HTMLElement);
  bars.replaceChildren();
  for (const k of topClasses(reply.probabilities, 3)) {
    const label = document.createElement('div');
    label.className = 'bar-label';
    label.textContent = `${name(k)} ${(100 * reply.probabilities[k]!).toFixed(1)} %`;
    const bar = document.createElement('div');
    bar.className = k === reply.label ? 'bar correct' : 'bar';
    const fill = document.createElement('i');
    fill.style.width = `${(100 * reply.probabilities[k]!).toFixed(1)}%`;
    bar.append(fill);
    bars.append(label, bar);
  }
  document.body.dataset.explained = String(reply.index);
  document.body.dataset.explanations = String(Number(document.body.dataset.explanations ?? 0) + 1);
  document.body.dataset.ready = 'true';
}

/** Draws class k's model image into its place (the places are made when a network is announced). */
function drawClassModel(reply: Extract<FromExplainWorker, { type: 'class-model' }>): void {
  const [channels, height, width] = reply.shape as [number, number, number];
  const target = element('class-models', HTMLElement);
  if (target.children.length !== reply.classCount) {
    target.replaceChildren(...Array.from({ length: reply.classCount }, () => document.createElement('figure')));
  }
  const tile: PlanarImage = { channels, height, width, data: reply.image };
  const canvas = document.createElement('canvas');
  paintPixels(canvas, tileImages([tile], { scale: 3, padding: 0 }).image);
  const caption = document.createElement('figcaption');
  caption.textContent = `${classNames[reply.classIndex] ?? reply.classIndex}\nscore − λ‖x‖² ${reply.before.toFixed(1)} → ${reply.after.toFixed(1)}`;
  target.children[reply.classIndex]!.replaceChildren(canvas, caption);
}

function drawTsne(reply: Extract<FromExplainWorker, { type: 'tsne' }>): void {
  const size = 3 * 32 * 32;
  const pictures: PlanarImage[] = Array.from({ length: reply.count }, (_, n) => ({ channels: 3, height: 32, width: 32, data: reply.images.subarray(n * size, (n + 1) * size) }));
  const side = Math.round(Math.sqrt(reply.count) * 32 * 1.4);
  const canvas = element('tsne-map', HTMLCanvasElement);
  canvas.hidden = false;
  paintPixels(canvas, imageMap(pictures, reply.coordinates, reply.labels, { side, border: 1 }));
  element('tsne-caption', HTMLElement).textContent =
    `${reply.count} test images placed by exact t-SNE (perplexity ${reply.perplexity}, seed ${element('tsne-seed', HTMLInputElement).value}) of ${reply.where}; ` +
    `${reply.seconds.toFixed(1)} s in the worker. The border colour is the true class:`;
  const legend = element('tsne-legend', HTMLElement);
  legend.replaceChildren(...classNames.map((name, k) => {
    const span = document.createElement('span');
    span.style.color = PALETTE[k % PALETTE.length]!;
    span.textContent = `■ ${name}`;
    return span;
  }));
  element('tsne', HTMLButtonElement).disabled = false;
  document.body.dataset.tsne = String(reply.count);
}

function requestExplanation(): void {
  try {
    const index = readNumber(indexInput, 'test image');
    if (!Number.isInteger(index) || index < 0 || index >= testCount) throw new RangeError(`test image: expected an index from 0 to ${testCount - 1}, got ${index}`);
    showError(errorLine, null);
    send({ type: 'explain', index });
  } catch (error) {
    showError(errorLine, error);
  }
}

function requestTsne(): void {
  try {
    const count = readNumber(element('tsne-count', HTMLInputElement), 't-SNE test images');
    if (!Number.isInteger(count) || count < 3 || count > 1000) throw new RangeError(`t-SNE test images: expected an integer from 3 to 1000, got ${count}`);
    const seed = readNumber(element('tsne-seed', HTMLInputElement), 't-SNE seed');
    if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`t-SNE seed: expected an integer ≥ 0, got ${seed}`);
    showError(errorLine, null);
    element('tsne', HTMLButtonElement).disabled = true;
    element('tsne-caption', HTMLElement).textContent = `computing t-SNE of ${count} test images …`;
    send({ type: 'tsne', count, seed });
  } catch (error) {
    showError(errorLine, error);
  }
}

worker.onmessage = (event: MessageEvent<FromExplainWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'status':
      element('status', HTMLElement).textContent = message.text;
      break;
    case 'error':
      showError(errorLine, `${message.action}: ${message.message}`);
      if (message.action === 'tsne') element('tsne', HTMLButtonElement).disabled = false;
      break;
    case 'ready':
      classNames = message.classNames;
      testCount = message.testCount;
      indexInput.max = String(testCount - 1);
      element('status', HTMLElement).textContent = `test accuracy ${(100 * message.accuracy).toFixed(1)} % (first 500 test images)`;
      element('model-source', HTMLElement).textContent = `network: ${message.source}`;
      element('class-models', HTMLElement).replaceChildren('computing …');
      // A map of the previous network's features would mislead: it is drawn again on request.
      element('tsne-map', HTMLCanvasElement).hidden = true;
      element('tsne-caption', HTMLElement).textContent = '';
      element('tsne-legend', HTMLElement).replaceChildren();
      requestExplanation();
      send({ type: 'class-models' });
      break;
    case 'explanation':
      drawExplanation(message);
      break;
    case 'class-model':
      drawClassModel(message);
      break;
    case 'tsne':
      drawTsne(message);
      break;
  }
};
worker.onerror = (event) => showError(errorLine, `worker: ${event.message}`);

/** Parses and checks a model file, then hands it to the worker. @throws DataError naming the problem. */
async function loadModelText(text: string, fileName: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${fileName}: not JSON (${(error as Error).message})`);
  }
  const model = validateModelFile(json, fileName);
  if (model.inputShape.join('x') !== '3x32x32') {
    throw new DataError(`${fileName}: the model takes (${model.inputShape.join(', ')}) images; this page's test images are (3, 32, 32)`);
  }
  showError(errorLine, null);
  send({ type: 'load', model, fileName });
}

element('load', HTMLInputElement).addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  try {
    await loadModelText(await file.text(), file.name);
  } catch (error) {
    showError(errorLine, error);
  }
  input.value = '';
});
element('retrain', HTMLButtonElement).addEventListener('click', () => {
  showError(errorLine, null);
  send({ type: 'train' });
});
indexInput.addEventListener('change', requestExplanation);
element('tsne', HTMLButtonElement).addEventListener('click', requestTsne);

/** Hooks for the browser spec (spec/web/pages.spec.ts); the page itself does not use them. */
Object.assign(globalThis, {
  explainDemo: {
    loadModelText: (text: string, fileName: string) => loadModelText(text, fileName).then(() => null, (error: Error) => `${error.name}: ${error.message}`),
    errorText: () => errorLine.textContent,
  },
});

send({ type: 'train' });
