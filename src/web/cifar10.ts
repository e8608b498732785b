/// <reference lib="dom" />
/**
 * The CIFAR-10 live page. A Web Worker (cifar10-worker.ts) owns the data and the network and trains
 * it; this page sends it requests and draws what it reports: loss and accuracy curves (the library's
 * SVG line chart), examples/s, conv1 filters and the activation maps of a chosen test image (the
 * library's filterPicture / activationPicture grids, painted on canvases), and a grid of test images
 * with their top-3 class probabilities.
 *
 * Every control checks its input here first — a definition is parsed and built against the image
 * shape, a model file is parsed and its header checked — and shows the library's error message inline.
 * Only a request that passed is sent to the worker, which replaces its network only once the new
 * one was built without error: bad input never touches the running model.
 */
import { DataError } from '../errors.ts';
import { validateModelFile } from '../nn/model-file.ts';
import { updateRuleNames } from '../optim/rules.ts';
import { activationPicture } from '../viz/activations.ts';
import { filterPicture } from '../viz/filters.ts';
import { lineChartSvg } from '../viz/line-chart.ts';
import { topClasses } from '../viz/predictions.ts';
import type { FromWorker, ToWorker } from './cifar10-protocol.ts';
import { element, paintPixels, readNumber, showError } from './page-common.ts';
import { DEFAULT_SETTINGS, checkDefinition } from './training-session.ts';
import type { SessionSettings } from './training-session.ts';

const worker = new Worker(new URL('./cifar10-worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const errorLine = element('error', HTMLElement);
const definitionInput = element('definition', HTMLTextAreaElement);
const ruleSelect = element('rule', HTMLSelectElement);
for (const name of updateRuleNames()) ruleSelect.append(new Option(name, name, name === 'adam', name === 'adam'));
definitionInput.value = DEFAULT_SETTINGS.definitionText;

const lossPoints: Array<[number, number]> = [];
const trainAccuracyPoints: Array<[number, number]> = [];
const testAccuracyPoints: Array<[number, number]> = [];
let classNames: string[] = [];
let exampleImages: Uint8Array = new Uint8Array(0);
let exampleLabels: number[] = [];
let testCount = 0;
let paused = false;
let lastChart = 0;
/** For the browser spec: hash-check replies wait here. */
const hashWaiters: Array<(reply: { hash: string; steps: number; seconds: number }) => void> = [];
/** For the browser spec: a saved model is handed here instead of downloaded. */
const modelWaiters: Array<(json: string) => void> = [];

/** Computing threads: two (the training worker and one helper) when the page may share memory, else one. */
const isolated = globalThis.crossOriginIsolated === true;
const threadsSelect = element('threads', HTMLSelectElement);
if (!isolated) threadsSelect.disabled = true;
threadsSelect.value = isolated && navigator.hardwareConcurrency >= 2 ? '2' : '1';
const threadCount = () => (isolated ? Number(threadsSelect.value) : 1);

/** The settings in the form; throws a message naming the bad field (the definition is checked against 3×32×32). */
function readSettings(): SessionSettings {
  const definitionText = definitionInput.value.trim();
  checkDefinition(definitionText, [3, 32, 32]);
  const learningRate = readNumber(element('learning-rate', HTMLInputElement), 'learning rate');
  const batchSize = readNumber(element('batch-size', HTMLInputElement), 'batch');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) throw new RangeError(`batch: expected an integer from 1 to 1024, got ${batchSize}`);
  if (!(learningRate > 0)) throw new RangeError(`learning rate: expected a number > 0, got ${learningRate}`);
  return {
    definitionText, seed: DEFAULT_SETTINGS.seed, batchSize, augment: element('augment', HTMLInputElement).checked,
    optimizer: { type: ruleSelect.value, learningRate },
  };
}

function start(): void {
  try {
    const settings = readSettings();
    showError(errorLine, null);
    lossPoints.length = 0;
    trainAccuracyPoints.length = 0;
    testAccuracyPoints.length = 0;
    paused = false;
    element('pause', HTMLButtonElement).textContent = 'pause';
    send({ type: 'start', settings, trainBatches: Number(element('train-batches', HTMLSelectElement).value), threads: threadCount() });
  } catch (error) {
    showError(errorLine, error);
  }
}


/** A CHW byte image (32×32×3) on a canvas. */
function paintImage(canvas: HTMLCanvasElement, chw: Uint8Array): void {
  const plane = 32 * 32;
  canvas.width = 32;
  canvas.height = 32;
  const rgba = new ImageData(32, 32);
  for (let p = 0; p < plane; p++) rgba.data.set([chw[p]!, chw[plane + p]!, chw[2 * plane + p]!, 255], 4 * p);
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}

function drawCharts(): void {
  element('loss-chart', HTMLElement).innerHTML = lineChartSvg({
    series: [{ name: 'training loss (per 4 steps)', points: lossPoints }], xLabel: 'examples seen', yLabel: 'loss',
    width: 500, height: 260, title: 'Loss',
  });
  element('accuracy-chart', HTMLElement).innerHTML = lineChartSvg({
    series: [{ name: 'train', points: trainAccuracyPoints, markers: true }, { name: 'test', points: testAccuracyPoints, markers: true }],
    xLabel: 'examples seen', yLabel: 'accuracy', width: 500, height: 260, yDomain: [0, 1], title: 'Accuracy (first 500 images)',
  });
}

function drawPredictions(probabilities: Float32Array): void {
  const grid = element('predictions', HTMLElement);
  grid.replaceChildren();
  const classes = classNames.length;
  for (let i = 0; i < exampleLabels.length; i++) {
    const item = document.createElement('div');
    item.className = 'prediction';
    const canvas = document.createElement('canvas');
    paintImage(canvas, exampleImages.subarray(i * 3072, (i + 1) * 3072));
    const bars = document.createElement('div');
    bars.style.flex = '1';
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    for (const k of topClasses(row, 3)) {
      const label = document.createElement('div');
      label.className = 'bar-label';
      label.textContent = `${classNames[k]} ${(100 * row[k]!).toFixed(0)} %`;
      const bar = document.createElement('div');
      bar.className = k === exampleLabels[i] ? 'bar correct' : 'bar';
      const fill = document.createElement('i');
      fill.style.width = `${(100 * row[k]!).toFixed(1)}%`;
      bar.append(fill);
      bars.append(label, bar);
    }
    item.append(canvas, bars);
    grid.append(item);
  }
}

function drawActivations(reply: Extract<FromWorker, { type: 'activations' }>): void {
  const target = element('activations', HTMLElement);
  target.replaceChildren();
  const input = document.createElement('canvas');
  paintImage(input, reply.image);
  input.title = `test image ${reply.index}: ${classNames[reply.label]}`;
  const caption = document.createElement('div');
  caption.className = 'note';
  caption.textContent = `input: test image ${reply.index} (${classNames[reply.label]})`;
  target.append(caption, input);
  for (const layer of reply.layers) {
    if (layer.shape.length !== 3) continue;
    const picture = activationPicture({ layerName: layer.name, shape: layer.shape, maps: layer.maps }, { maxMaps: 16, minTileSize: 32, maxWidth: 640 });
    const label = document.createElement('div');
    label.className = 'note';
    label.textContent = picture.caption;
    const canvas = document.createElement('canvas');
    paintPixels(canvas, picture.grid.image);
    target.append(label, canvas);
  }
}

function requestActivations(): void {
  try {
    const index = readNumber(element('activation-index', HTMLInputElement), 'test image');
    if (!Number.isInteger(index) || index < 0 || index >= testCount) throw new RangeError(`test image: expected an index from 0 to ${testCount - 1}, got ${index}`);
    showError(errorLine, null);
    send({ type: 'activations', index });
  } catch (error) {
    showError(errorLine, error);
  }
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'status':
      element('data-status', HTMLElement).textContent = message.text;
      break;
    case 'executor':
      element('executor', HTMLElement).textContent =
        `executor: ${message.text}. crossOriginIsolated: ${isolated ? 'yes' : 'no (the server must send COOP/COEP)'}.`;
      document.body.dataset.threads = String(message.threads);
      break;
    case 'error':
      showError(errorLine, `${message.action}: ${message.message}`);
      break;
    case 'started':
      classNames = message.classNames;
      exampleImages = message.exampleImages;
      exampleLabels = message.exampleLabels;
      testCount = message.testCount;
      definitionInput.value = message.definitionText;
      element('data-status', HTMLElement).textContent = `data: ${message.description}`;
      element('summary', HTMLElement).textContent = `${message.layerSummary}\n${message.parameterCount.toLocaleString('en-US')} parameters`;
      lossPoints.length = 0;
      trainAccuracyPoints.length = 0;
      testAccuracyPoints.length = 0;
      requestActivations();
      document.body.dataset.ready = 'true';
      break;
    case 'progress': {
      element('steps', HTMLElement).textContent = String(message.steps);
      element('examples', HTMLElement).textContent = message.examples.toLocaleString('en-US');
      element('loss', HTMLElement).textContent = Number.isFinite(message.loss) ? message.loss.toFixed(3) : String(message.loss);
      if (!message.paused) element('speed', HTMLElement).textContent = message.examplesPerSecond.toFixed(0);
      if (Number.isFinite(message.loss) && !message.paused) lossPoints.push([message.examples, message.loss]);
      document.body.dataset.steps = String(message.steps);
      document.body.dataset.examplesPerSecond = message.examplesPerSecond.toFixed(1);
      if (performance.now() - lastChart > 1000) {
        lastChart = performance.now();
        drawCharts();
      }
      break;
    }
    case 'evaluation':
      trainAccuracyPoints.push([message.examples, message.trainAccuracy]);
      testAccuracyPoints.push([message.examples, message.testAccuracy]);
      element('train-accuracy', HTMLElement).textContent = `${(100 * message.trainAccuracy).toFixed(1)} %`;
      element('test-accuracy', HTMLElement).textContent = `${(100 * message.testAccuracy).toFixed(1)} %`;
      drawCharts();
      break;
    case 'pictures':
      if (message.filters) {
        const picture = filterPicture(message.filters, { scale: 8 });
        paintPixels(element('filters', HTMLCanvasElement), picture.grid.image);
      }
      drawPredictions(message.probabilities);
      document.body.dataset.pictures = String(Number(document.body.dataset.pictures ?? 0) + 1);
      break;
    case 'activations':
      drawActivations(message);
      break;
    case 'model': {
      const waiter = modelWaiters.shift();
      if (waiter) {
        waiter(message.json);
        break;
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([message.json], { type: 'application/json' }));
      link.download = 'model.json';
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      break;
    }
    case 'hash':
      hashWaiters.shift()?.(message);
      break;
  }
};
worker.onerror = (event) => showError(errorLine, `worker: ${event.message}`);

element('start', HTMLButtonElement).addEventListener('click', start);
element('pause', HTMLButtonElement).addEventListener('click', (event) => {
  paused = !paused;
  (event.target as HTMLButtonElement).textContent = paused ? 'resume' : 'pause';
  send({ type: paused ? 'pause' : 'resume' });
});
element('save', HTMLButtonElement).addEventListener('click', () => send({ type: 'save' }));
element('activation-index', HTMLInputElement).addEventListener('change', requestActivations);
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
    throw new DataError(`${fileName}: the model takes (${model.inputShape.join(', ')}) images; this page trains on (3, 32, 32)`);
  }
  showError(errorLine, null);
  send({ type: 'load', model, fileName });
}

/** Hooks for the browser spec (spec/web/pages.spec.ts); the page itself does not use them. */
Object.assign(globalThis, {
  cifar10Demo: {
    hashCheck: (steps: number, threads: number) =>
      new Promise((resolve) => {
        hashWaiters.push(resolve);
        send({ type: 'hash-check', steps, settings: { ...DEFAULT_SETTINGS, augment: false }, threads });
      }),
    loadModelText: (text: string, fileName: string) => loadModelText(text, fileName).then(() => null, (error: Error) => `${error.name}: ${error.message}`),
    errorText: () => errorLine.textContent,
    savedModelText: () =>
      new Promise((resolve) => {
        modelWaiters.push(resolve);
        send({ type: 'save' });
      }),
  },
});

start();
