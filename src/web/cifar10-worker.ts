/**
 * The CIFAR-10 page's training worker: owns the data (bytes) and the TrainingSession, trains in slices
 * of a few steps, and after each slice answers the page's messages and reports progress. Every
 * EVALUATE_EVERY examples it measures accuracy on the first EVALUATION_LIMIT training and test images
 * and sends the conv1 filters and the probabilities of the example grid.
 *
 * Errors in a request (a definition that does not fit, a model file of another network) are caught
 * and reported as {type: 'error'}; the running session is replaced only after its successor was built
 * without error, so bad input never disturbs training.
 */
import type { DatasetSplits } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import { INFERENCE } from '../layers/layer.ts';
import { formatSummary } from '../nn/summary.ts';
import { Tensor } from '../tensor/tensor.ts';
import { evaluate } from '../train/evaluate.ts';
import { generatedSplits, loadSplits } from './cifar10-data.ts';
import type { ActivationMaps, FromWorker, ToWorker } from './cifar10-protocol.ts';
import { TrainingSession, weightsHash } from './training-session.ts';
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import { WorkerExecutor } from './worker-executor.ts';

/** Steps per slice: short enough that a pause or a click is answered within a fraction of a second. */
const SLICE_STEPS = 4;
const EVALUATE_EVERY = 4000;
const EVALUATION_LIMIT = 500;
/** The test images shown in the prediction grid (the first ones of the test set). */
export const EXAMPLE_COUNT = 24;

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let session: TrainingSession | null = null;
let paused = false;
let loopRunning = false;
/** Settles when the training loop has returned (after its current slice); resolved when no loop runs. */
let loopFinished: Promise<void> = Promise.resolve();
const loadedData = new Map<number, { splits: DatasetSplits; description: string }>();
let examplesAtLastEvaluation = 0;
let sliceStart = 0;
let examplesInWindow = 0;
let secondsInWindow = 0;

let workerExecutor: WorkerExecutor | null = null;
/** The test image whose activations the page shows (set by its 'activations' requests). */
let activationIndex = 0;

/**
 * The executor for `threads` computing threads: serial for 1, else a WorkerExecutor (started once,
 * restarted when the count changes). Without cross-origin isolation it stays serial and says why.
 */
async function executorFor(threads: number): Promise<Executor> {
  if (threads <= 1) {
    post({ type: 'executor', threads: 1, text: 'serial: one computing thread (this worker)' });
    return serialExecutor;
  }
  if (!globalThis.crossOriginIsolated) {
    post({ type: 'executor', threads: 1, text: 'serial: the page is not crossOriginIsolated, so there is no SharedArrayBuffer for helper workers' });
    return serialExecutor;
  }
  if (workerExecutor?.threads !== threads) {
    workerExecutor?.close();
    workerExecutor = await WorkerExecutor.start(threads, new URL('./executor-helper-worker.js', import.meta.url));
  }
  post({ type: 'executor', threads, text: `Web Worker executor: ${threads} computing threads (this worker + ${threads - 1} helper${threads > 2 ? 's' : ''}) sharing SharedArrayBuffers` });
  return workerExecutor;
}

/** Lets queued messages run between slices (a macrotask turn). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function dataFor(trainBatches: number): Promise<{ splits: DatasetSplits; description: string }> {
  let data = loadedData.get(trainBatches);
  if (!data) {
    data = await loadSplits(trainBatches, (text) => post({ type: 'status', text }));
    loadedData.set(trainBatches, data);
  }
  return data;
}

function examplesSeen(current: TrainingSession): number {
  return current.steps * current.batchSize;
}

function announce(current: TrainingSession, description: string, definitionText: string): void {
  const test = current.data.test;
  const count = Math.min(EXAMPLE_COUNT, test.count);
  const imageBytes = test.channels * test.height * test.width;
  const exampleImages = test.pixels.slice(0, count * imageBytes);
  post({
    type: 'started', description, definitionText, layerSummary: formatSummary(current.net), parameterCount: current.net.parameterCount(),
    classNames: [...test.classNames], exampleImages, exampleLabels: Array.from(test.labels.subarray(0, count)), testCount: test.count,
  }, [exampleImages.buffer]);
  examplesAtLastEvaluation = -EVALUATE_EVERY;
  examplesInWindow = 0;
  secondsInWindow = 0;
  report(current);
}

/** Accuracy on the first training and test images, filters and the example grid's probabilities. */
function report(current: TrainingSession): void {
  const { train, test } = current.data;
  const trainEvaluation = evaluate(current.net, train, current.preprocessing, { limit: EVALUATION_LIMIT });
  const testEvaluation = evaluate(current.net, test, current.preprocessing, { limit: EVALUATION_LIMIT });
  post({
    type: 'evaluation', examples: examplesSeen(current),
    trainAccuracy: trainEvaluation.accuracy, testAccuracy: testEvaluation.accuracy, testLoss: testEvaluation.loss,
  });
  const firstConv = current.net.layers.find((layer) => layer.type === 'conv');
  const weights = firstConv?.parameters()[0]?.value;
  const count = Math.min(EXAMPLE_COUNT, test.count);
  const input = Tensor.zeros([count, test.channels, test.height, test.width]);
  toFloatBatch(test, Array.from({ length: count }, (_, i) => i), input.data, current.preprocessing);
  const probabilities = current.net.predict(input.reshape([count, ...current.net.inputShape])).data.slice();
  post({
    type: 'pictures',
    filters: weights && weights.shape.length === 4 ? { shape: [...weights.shape], data: weights.data.slice() } : null,
    probabilities,
  });
  examplesAtLastEvaluation = examplesSeen(current);
  // The chosen test image's activation maps follow the training too.
  if (activationIndex < test.count) activations(current, activationIndex);
}

function trainLoop(): Promise<void> {
  if (loopRunning) return loopFinished;
  loopRunning = true;
  loopFinished = runTrainLoop();
  return loopFinished;
}

/**
 * Runs `work` while no training step can run: the loop is paused and has finished its slice. The
 * trainer yields between steps, so without this a hash check (which may restart the helper workers)
 * could interleave with the running session's steps on the same executor.
 */
async function withTrainingPaused<T>(work: () => Promise<T>): Promise<T> {
  const wasPaused = paused;
  paused = true;
  await loopFinished;
  try {
    return await work();
  } finally {
    paused = wasPaused;
    if (!paused) void trainLoop();
  }
}

async function runTrainLoop(): Promise<void> {
  try {
    while (session && !paused) {
      const current = session;
      sliceStart = performance.now();
      const loss = await current.advance(SLICE_STEPS);
      // examples/s over the last few seconds of training steps (evaluation time left out).
      const seconds = (performance.now() - sliceStart) / 1000;
      examplesInWindow += SLICE_STEPS * current.batchSize;
      secondsInWindow += seconds;
      const examplesPerSecond = examplesInWindow / Math.max(secondsInWindow, 1e-9);
      if (secondsInWindow > 3) {
        examplesInWindow *= 0.5;
        secondsInWindow *= 0.5;
      }
      post({ type: 'progress', steps: current.steps, examples: examplesSeen(current), loss, examplesPerSecond, paused });
      if (examplesSeen(current) - examplesAtLastEvaluation >= EVALUATE_EVERY) report(current);
      if (!Number.isFinite(loss)) {
        paused = true;
        post({ type: 'error', action: 'training', message: `the loss became ${loss}: training paused (try a smaller learning rate)` });
      }
      await nextTurn();
    }
  } finally {
    loopRunning = false;
  }
}

function activations(current: TrainingSession, index: number): void {
  const test = current.data.test;
  if (!Number.isInteger(index) || index < 0 || index >= test.count) {
    throw new RangeError(`test image: expected an index from 0 to ${test.count - 1}, got ${index}`);
  }
  const imageBytes = test.channels * test.height * test.width;
  let activation = Tensor.zeros([1, test.channels, test.height, test.width]);
  toFloatBatch(test, [index], activation.data, current.preprocessing);
  activation = activation.reshape([1, ...current.net.inputShape]);
  const layers: ActivationMaps[] = [];
  for (const layer of current.net.layers) {
    activation = layer.forward(activation, INFERENCE);
    layers.push({ name: layer.name, shape: activation.shape.slice(1), maps: activation.data.slice() });
  }
  post({ type: 'activations', index, image: test.pixels.slice(index * imageBytes, (index + 1) * imageBytes), label: test.labels[index]!, layers });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'start': {
      const data = await dataFor(message.trainBatches);
      const next = new TrainingSession(data.splits, message.settings);
      next.useExecutor(await executorFor(message.threads));
      session = next;
      announce(next, data.description, message.settings.definitionText);
      void trainLoop();
      return;
    }
    case 'pause':
      paused = true;
      if (session) post({ type: 'progress', steps: session.steps, examples: examplesSeen(session), loss: session.lastLoss, examplesPerSecond: 0, paused });
      return;
    case 'resume':
      paused = false;
      void trainLoop();
      return;
    case 'save':
      if (!session) throw new Error('no network yet');
      post({ type: 'model', json: `${JSON.stringify(session.modelFile())}\n` });
      return;
    case 'load': {
      if (!session) throw new Error('no network yet: wait until the data is loaded');
      const settings = { ...session.settings };
      const next = new TrainingSession(session.data, settings, message.model);
      next.useExecutor(session.executor);
      session = next;
      announce(next, `${loadedDescription()} — weights from ${message.fileName}`, JSON.stringify(message.model.definition));
      void trainLoop();
      return;
    }
    case 'activations':
      if (!session) throw new Error('no network yet');
      activations(session, message.index);
      activationIndex = message.index;
      return;
    case 'hash-check': {
      await withTrainingPaused(async () => {
        const started = performance.now();
        const check = new TrainingSession(generatedSplits(), message.settings);
        check.useExecutor(await executorFor(message.threads));
        await check.advance(message.steps);
        // Back to the running session's thread count (this may have restarted the helpers).
        if (session) session.useExecutor(await executorFor(session.executor.threads));
        post({ type: 'hash', steps: check.steps, hash: await weightsHash(check.net), seconds: (performance.now() - started) / 1000 });
      });
      return;
    }
  }
}

function loadedDescription(): string {
  const last = [...loadedData.values()].pop();
  return last ? last.description : '';
}

// Messages are handled one at a time, in order, so a 'load' can never interleave with a 'start'.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  const message = event.data;
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    post({ type: 'error', action: message.type, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  });
};
