/// <reference lib="dom" />
/**
 * The 2-D classification page (after ConvNetJS's classify2d): a fully connected net on points in the
 * plane, trained full-batch on every animation frame, its decision regions repainted as it learns.
 *
 *   x (N, 2) → [fc W → activation] × depth → fc K → softmax          K = number of classes
 *
 * With maxout, each hidden layer is fc (2·W) followed by maxout with 2 pieces, so it still has W
 * outputs. The settings are read and checked only when "apply" is pressed; a bad value shows a message
 * and the network that is training keeps training.
 */
import { buildNet } from '../nn/build-net.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { parseDefinition } from '../nn/definition.ts';
import type { Net } from '../nn/net.ts';
import { Optimizer } from '../optim/optimizer.ts';
import { updateRuleNames } from '../optim/rules.ts';
import { l2 } from '../regularizers/penalties.ts';
import { regularize } from '../regularizers/regularize.ts';
import { circles, spiral } from '../data/toy2d.ts';
import { ConfigError } from '../errors.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { element, readNumber, showError } from './page-common.ts';

/** The plane shown: [-EXTENT, EXTENT]² (the spiral and the circles fit in the unit disc, plus noise). */
const EXTENT = 1.3;
/** Decision regions are evaluated on a GRID × GRID lattice and stretched over the canvas. */
const GRID = 80;
/** Full-batch steps per animation frame. */
const STEPS_PER_FRAME = 5;
const CLASS_COLOURS: ReadonlyArray<[number, number, number]> = [[214, 69, 65], [52, 120, 198], [62, 160, 85]];

interface Points {
  /** (N, 2) coordinates, row-major. */
  xy: number[];
  labels: number[];
}

interface Model {
  net: Net;
  optimizer: Optimizer;
  l2Strength: number;
  classes: number;
  definitionText: string;
}

const canvas = element('plane', HTMLCanvasElement);
const context = canvas.getContext('2d')!;
const errorLine = element('error', HTMLElement);
const ruleSelect = element('rule', HTMLSelectElement);
for (const name of updateRuleNames()) ruleSelect.append(new Option(name, name, name === 'adam', name === 'adam'));

let points: Points = datasetPoints('spiral');
let clicked: Points = { xy: [], labels: [] };
let model: Model = buildModel(points);
let step = 0;
let paused = false;
let lastAccuracy = 0;

/** The points of a generated set (fixed seeds, so every visit shows the same data). */
function datasetPoints(kind: string): Points {
  if (kind === 'clicked') return clicked;
  const data = kind === 'circles' ? circles(new Rng(11), { pointsPerRing: 100 }) : spiral(new Rng(7));
  return { xy: Array.from(data.points), labels: Array.from(data.labels) };
}

/** The compact definition of the page's settings (input shape [2]). */
function definitionFor(activation: string, width: number, depth: number, classes: number): string {
  if (!Number.isInteger(width) || width < 1 || width > 500) throw new ConfigError(`width: expected an integer from 1 to 500, got ${width}`);
  if (!Number.isInteger(depth) || depth < 0 || depth > 8) throw new ConfigError(`hidden layers: expected an integer from 0 to 8, got ${depth}`);
  const hidden = activation === 'maxout' ? `fc${2 * width}-maxout2` : `fc${width}-${activation === 'leaky-relu' ? 'lrelu' : activation}`;
  return [...Array.from({ length: depth }, () => hidden), `fc${classes}`, 'softmax'].join('-');
}

/** Reads every setting; throws a typed error naming the bad one. */
function buildModel(data: Points): Model {
  const activation = element('activation', HTMLSelectElement).value;
  const width = readNumber(element('width', HTMLInputElement), 'width');
  const depth = readNumber(element('depth', HTMLInputElement), 'hidden layers');
  const learningRate = readNumber(element('learning-rate', HTMLInputElement), 'learning rate');
  const l2Strength = readNumber(element('l2', HTMLInputElement), 'L2 λ');
  if (l2Strength < 0) throw new ConfigError(`L2 λ: expected a number ≥ 0, got ${l2Strength}`);
  const classes = Math.max(2, ...data.labels.map((label) => label + 1));
  const definitionText = definitionFor(activation, width, depth, classes);
  const definition: LayerDefinition[] = parseDefinition(definitionText, [2]);
  const net = buildNet(definition, new Rng(1));
  const optimizer = new Optimizer({ type: ruleSelect.value, learningRate });
  return { net, optimizer, l2Strength, classes, definitionText };
}

/** Full-batch gradient steps on the current points; updates the loss and accuracy read-outs. */
function train(): void {
  const count = points.labels.length;
  if (count === 0) return;
  const input = new Tensor(Float32Array.from(points.xy), [count, 2]);
  const labels = Int32Array.from(points.labels);
  const parameters = model.net.parameters();
  let dataLoss = 0;
  let regularizationLoss = 0;
  let correct = 0;
  for (let s = 0; s < STEPS_PER_FRAME; s++) {
    model.net.zeroGrad();
    const { loss, logits } = model.net.lossAndGradients(input, labels);
    regularizationLoss = model.l2Strength > 0 ? regularize(parameters, l2, model.l2Strength) : 0;
    model.optimizer.step(parameters);
    dataLoss = loss;
    correct = 0;
    const classes = model.net.classes;
    for (let n = 0; n < count; n++) {
      let best = 0;
      for (let k = 1; k < classes; k++) if (logits.data[n * classes + k]! > logits.data[n * classes + best]!) best = k;
      if (best === labels[n]) correct++;
    }
    step++;
  }
  lastAccuracy = correct / count;
  element('step', HTMLElement).textContent = String(step);
  element('loss', HTMLElement).textContent = dataLoss.toFixed(4);
  element('reg-loss', HTMLElement).textContent = regularizationLoss.toFixed(4);
  element('accuracy', HTMLElement).textContent = `${(100 * lastAccuracy).toFixed(1)} %`;
  element('count', HTMLElement).textContent = String(count);
  document.body.dataset.accuracy = String(lastAccuracy);
  document.body.dataset.step = String(step);
}

const gridInput = (() => {
  const values = new Float32Array(GRID * GRID * 2);
  for (let row = 0; row < GRID; row++) {
    for (let column = 0; column < GRID; column++) {
      values[2 * (row * GRID + column)] = ((column + 0.5) / GRID * 2 - 1) * EXTENT;
      values[2 * (row * GRID + column) + 1] = (1 - (row + 0.5) / GRID * 2) * EXTENT;
    }
  }
  return new Tensor(values, [GRID * GRID, 2]);
})();
const regions = new ImageData(GRID, GRID);
const regionCanvas = document.createElement('canvas');
regionCanvas.width = GRID;
regionCanvas.height = GRID;

/** Decision regions (the most probable class of every grid cell, pale) and the points on top. */
function paint(): void {
  const probabilities = model.net.predict(gridInput).data;
  const classes = model.net.classes;
  for (let cell = 0; cell < GRID * GRID; cell++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probabilities[cell * classes + k]! > probabilities[cell * classes + best]!) best = k;
    const [r, g, b] = CLASS_COLOURS[best % CLASS_COLOURS.length]!;
    regions.data.set([255 - (255 - r) * 0.35, 255 - (255 - g) * 0.35, 255 - (255 - b) * 0.35, 255], cell * 4);
  }
  regionCanvas.getContext('2d')!.putImageData(regions, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(regionCanvas, 0, 0, canvas.width, canvas.height);
  for (let n = 0; n < points.labels.length; n++) {
    const [px, py] = toCanvas(points.xy[2 * n]!, points.xy[2 * n + 1]!);
    const [r, g, b] = CLASS_COLOURS[points.labels[n]! % CLASS_COLOURS.length]!;
    context.beginPath();
    context.arc(px, py, 4, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fill();
    context.strokeStyle = '#222';
    context.stroke();
  }
}

function toCanvas(x: number, y: number): [number, number] {
  return [((x / EXTENT + 1) / 2) * canvas.width, ((1 - y / EXTENT) / 2) * canvas.height];
}

/** Applies the settings: a new network on the chosen data; on bad input, a message and no change. */
function apply(): void {
  try {
    const nextPoints = datasetPoints(element('dataset', HTMLSelectElement).value);
    const nextModel = buildModel(nextPoints);
    points = nextPoints;
    model = nextModel;
    step = 0;
    element('definition', HTMLElement).textContent = `network: ${model.definitionText}`;
    showError(errorLine, null);
  } catch (error) {
    showError(errorLine, error);
  }
}

canvas.addEventListener('contextmenu', (event) => event.preventDefault());
canvas.addEventListener('mousedown', (event) => {
  if (element('dataset', HTMLSelectElement).value !== 'clicked') {
    showError(errorLine, 'Adding points: choose "clicked points" as the data set first.');
    return;
  }
  const bounds = canvas.getBoundingClientRect();
  const x = ((event.clientX - bounds.left) / bounds.width * 2 - 1) * EXTENT;
  const y = (1 - (event.clientY - bounds.top) / bounds.height * 2) * EXTENT;
  clicked.xy.push(x, y);
  clicked.labels.push(event.shiftKey || event.button === 2 ? 1 : 0);
  showError(errorLine, null);
});
element('clear-points', HTMLButtonElement).addEventListener('click', () => {
  clicked.xy.length = 0;
  clicked.labels.length = 0;
});
element('dataset', HTMLSelectElement).addEventListener('change', apply);
element('apply', HTMLButtonElement).addEventListener('click', apply);
element('pause', HTMLButtonElement).addEventListener('click', (event) => {
  paused = !paused;
  (event.target as HTMLButtonElement).textContent = paused ? 'resume' : 'pause';
});

function frame(): void {
  if (!paused) train();
  paint();
  requestAnimationFrame(frame);
}
element('definition', HTMLElement).textContent = `network: ${model.definitionText}`;
document.body.dataset.ready = 'true';
requestAnimationFrame(frame);
