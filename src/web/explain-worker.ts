/**
 * The Explain page's worker: owns the data and the network and runs the library's explanation
 * methods (src/explain/) on request, so a class-model ascent or a t-SNE never freezes the page. The
 * page (explain.ts) only draws what it gets back, with the viz module's heat maps and image map.
 *
 *   'train'        the data the server offers (/data/info.json: CIFAR-10's first training batch and
 *                  its test batch, or the embedded generated set), a small convnet, TRAIN_STEPS Adam
 *                  steps (seed 1, so the same net each time) — a few seconds
 *   'load'         a model.json (already parsed and header-checked by the page) replaces the net,
 *                  only once it was built without error
 *   'explain'      test image i: top-3 probabilities, occlusion map, saliency map
 *   'class-models' one image per class by gradient ascent (the CLI's defaults), class by class
 *   'tsne'         exact t-SNE (seeded) of the features before the last fc layer of the first N test images
 *
 * Messages are handled one at a time, in order; a failing request is answered with {type: 'error'}
 * naming the request, and the current network stays.
 */
import type { DatasetSplits, ImageDataset, Normalization } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import { DataError } from '../errors.ts';
import { classModels } from '../explain/class-model.ts';
import { classProbabilities } from '../explain/class-scores.ts';
import { occlusionPixelMap, occlusionSensitivity } from '../explain/occlusion.ts';
import { saliencyMap } from '../explain/saliency.ts';
import { tsne } from '../explain/tsne.ts';
import { INFERENCE } from '../layers/layer.ts';
import type { Net } from '../nn/net.ts';
import { Tensor } from '../tensor/tensor.ts';
import { evaluate } from '../train/evaluate.ts';
import { loadSplits } from './cifar10-data.ts';
import type { FromExplainWorker, ToExplainWorker } from './explain-protocol.ts';
import { EXPLAIN_NET, TRAIN_STEPS } from './explain-protocol.ts';
import { DEFAULT_SETTINGS, TrainingSession } from './training-session.ts';

/** Test images the accuracy is measured on. */
const EVALUATION_LIMIT = 500;

interface WorkerScope {
  postMessage(message: FromExplainWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToExplainWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromExplainWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let data: DatasetSplits | null = null;
let dataDescription = '';
let current: { net: Net; normalization: Normalization; source: string } | null = null;

/** Test images `indices` as network input (N, C, H, W), normalized like the training data. */
function inputOf(test: ImageDataset, indices: readonly number[], normalization: Normalization): Tensor {
  const input = Tensor.zeros([indices.length, test.channels, test.height, test.width]);
  toFloatBatch(test, indices, input.data, normalization);
  return input;
}

function announce(session: TrainingSession, source: string): void {
  const test = session.data.test;
  current = { net: session.net, normalization: session.preprocessing, source };
  const accuracy = evaluate(session.net, test, session.preprocessing, { limit: EVALUATION_LIMIT }).accuracy;
  post({ type: 'ready', source, classNames: [...test.classNames], testCount: test.count, accuracy });
}

async function train(): Promise<void> {
  if (!data) {
    const loaded = await loadSplits(1, (text) => post({ type: 'status', text }));
    data = loaded.splits;
    dataDescription = loaded.description;
  }
  const session = new TrainingSession(data, { ...DEFAULT_SETTINGS, definitionText: EXPLAIN_NET, augment: false });
  for (let done = 0; done < TRAIN_STEPS; done += 10) {
    const loss = await session.advance(Math.min(10, TRAIN_STEPS - done));
    post({ type: 'status', text: `training ${EXPLAIN_NET} on ${dataDescription}: step ${session.steps} of ${TRAIN_STEPS}, loss ${loss.toFixed(3)}` });
  }
  announce(session, `${EXPLAIN_NET}, trained here for ${TRAIN_STEPS} steps (batch 32, Adam, seed 1) on ${dataDescription}`);
}

function explain(index: number): void {
  if (!data || !current) throw new Error('no network yet');
  const test = data.test;
  if (!Number.isInteger(index) || index < 0 || index >= test.count) {
    throw new DataError(`test image: expected an index from 0 to ${test.count - 1}, got ${index}`);
  }
  const { net, normalization } = current;
  const input = inputOf(test, [index], normalization);
  const label = test.labels[index]!;
  // The CLI's defaults: a square a quarter of the image's side, moved by half its side, of the
  // dataset's mean colour (0 after the normalization).
  const size = Math.max(1, Math.round(Math.min(test.height, test.width) / 4));
  const stride = Math.max(1, Math.round(size / 2));
  const occlusion = occlusionSensitivity(net, input, label, { size, stride, fill: new Array<number>(test.channels).fill(0) });
  const imageBytes = test.channels * test.height * test.width;
  post({
    type: 'explanation', index, label, image: test.pixels.slice(index * imageBytes, (index + 1) * imageBytes),
    height: test.height, width: test.width, channels: test.channels,
    probabilities: classProbabilities(net, input), occlusion: occlusionPixelMap(occlusion, test.height, test.width).values,
    occlusionSize: size, occlusionStride: stride, baseline: occlusion.baseline, lowest: Math.min(...occlusion.probabilities),
    saliency: saliencyMap(net, input, label).values,
  });
}

/** Counts class-model runs: a run stops when a newer one (for a newer network) has started. */
let classModelRun = 0;

/** Lets queued messages run (a macrotask turn). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * One class-model image per class, posted as each is done. Runs beside the message queue, one class
 * at a time with a turn in between, so choosing another test image is answered within one class's
 * ascent (a fifth of a second for the page's net) rather than after all ten. Each class is its own
 * ascent from its own seeded start (`classModels` for the one class), so the pictures do not depend
 * on when the page asked.
 */
async function drawClassModels(): Promise<void> {
  if (!current) throw new Error('no network yet');
  const run = ++classModelRun;
  const { net } = current;
  for (let k = 0; k < net.classes; k++) {
    await nextTurn();
    if (run !== classModelRun) return;
    const models = classModels(net, { steps: 200, l2: 0.01, learningRate: 1, jitter: 2, blurEvery: 4, seed: 1 }, [k]);
    const image = models.images.data.slice();
    post({
      type: 'class-model', classIndex: k, classCount: net.classes, image, shape: models.images.shape.slice(1),
      before: models.objective[0]![0]!, after: models.objective.at(-1)![0]!,
    }, [image.buffer]);
  }
}

/** The features the CLI maps: the input of the last fc layer (the whole input when there is none). */
function drawTsne(count: number, seed: number): void {
  if (!data || !current) throw new Error('no network yet');
  const started = performance.now();
  const test = data.test;
  const { net, normalization } = current;
  const n = Math.min(count, test.count);
  const lastFc = net.layers.map((layer) => layer.type).lastIndexOf('fc');
  const upTo = lastFc > 0 ? lastFc : net.layers.length - 1;
  const featureShape = upTo === 0 ? net.inputShape : net.layers[upTo - 1]!.outputShape;
  const dimension = featureShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(n * dimension);
  for (let first = 0; first < n; first += 100) {
    const indices = Array.from({ length: Math.min(100, n - first) }, (_, i) => first + i);
    features.set(net.forward(inputOf(test, indices, normalization), INFERENCE, upTo).data, first * dimension);
  }
  const perplexity = Math.min(30, Math.max(2, Math.floor((n - 1) / 3)));
  const coordinates = tsne(features, n, dimension, { perplexity, iterations: 1000, seed });
  const imageBytes = test.channels * test.height * test.width;
  const images = test.pixels.slice(0, n * imageBytes);
  const where = upTo === 0 ? 'the input' : `the output of ${net.layers[upTo - 1]!.name} (${dimension} values, the input of ${net.layers[upTo]!.name})`;
  post({
    type: 'tsne', coordinates, images, labels: test.labels.slice(0, n), count: n, perplexity, where,
    seconds: (performance.now() - started) / 1000,
  }, [coordinates.buffer, images.buffer]);
}

async function handle(message: ToExplainWorker): Promise<void> {
  switch (message.type) {
    case 'train':
      classModelRun++; // the old network's class models are no longer wanted
      await train();
      return;
    case 'load': {
      if (!data) throw new Error('no data yet: wait until the page is ready');
      classModelRun++;
      const session = new TrainingSession(data, { ...DEFAULT_SETTINGS }, message.model);
      announce(session, `${message.fileName} on ${dataDescription}`);
      return;
    }
    case 'explain':
      explain(message.index);
      return;
    case 'class-models':
      // Not awaited: the queue goes on while the classes are ascended (see drawClassModels).
      drawClassModels().catch((error: unknown) => {
        post({ type: 'error', action: 'class-models', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      });
      return;
    case 'tsne':
      drawTsne(message.count, message.seed);
      return;
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  const message = event.data;
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    post({ type: 'error', action: message.type, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  });
};
