/**
 * Writes the pictures of a finished run into its folder, and the one-page report that holds them all:
 *
 *   loss.svg, accuracy.svg     training curves from metrics.jsonl
 *   confusion.svg              test-set confusion matrix (rows: true class, columns: predicted)
 *   filters-<layer>.png        every conv layer's filters (first layer in colour)
 *   templates.png              class templates, when the net is a linear classifier
 *   report.html                everything above plus the model summary, example predictions and the
 *                              activation maps of one test image — self-contained, opens offline
 */
import * as fs from 'node:fs';
import type { ImageDataset } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import { encodePng } from '../io/png.ts';
import { INFERENCE } from '../layers/layer.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import type { Preprocessing } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import { Tensor } from '../tensor/tensor.ts';
import { evaluate } from '../train/evaluate.ts';
import type { Evaluation } from '../train/evaluate.ts';
import type { ActivationLayer } from '../viz/activations.ts';
import { confusionMatrixSvg } from '../viz/confusion.ts';
import { filterPicture } from '../viz/filters.ts';
import { parseMetricsJsonl } from '../viz/metrics.ts';
import type { MetricsLine } from '../viz/metrics.ts';
import type { PredictionExample } from '../viz/predictions.ts';
import { buildReport, type TrainingEnd } from '../viz/report.ts';
import { classTemplates } from '../viz/templates.ts';
import { accuracyChartSvg, lossChartSvg } from '../viz/training-curves.ts';
import type { Checkpoint } from '../train/trainer.ts';
import type { RunDirectory } from './run-directory.ts';

export interface RunReportInput {
  run: RunDirectory;
  net: Net;
  definition: LayerDefinition[];
  summaryText: string;
  test: ImageDataset;
  preprocessing: Preprocessing;
  classNames: string[];
  title: string;
  notes?: string;
  /** The test-set evaluation, when the caller already has it (else it is computed here). */
  evaluation?: Evaluation;
  /** The image whose activation maps are drawn, (1, C, H, W) normalized; default the first test image. */
  activationInput?: { input: Tensor; label: string };
  /** Sections already in HTML, added before the notes (the explain command's, with --report). */
  extraSections?: readonly { id: string; heading: string; body: string }[];
}

/** One test image as a (1, C, H, W) float batch and its planar uint8 picture. */
function testImage(test: ImageDataset, index: number, preprocessing: Preprocessing): { input: Tensor; picture: { channels: number; height: number; width: number; data: Uint8Array } } {
  const input = Tensor.zeros([1, test.channels, test.height, test.width]);
  toFloatBatch(test, [index], input.data, preprocessing);
  const size = test.channels * test.height * test.width;
  return { input, picture: { channels: test.channels, height: test.height, width: test.width, data: test.pixels.subarray(index * size, (index + 1) * size) } };
}

/**
 * How the run's training ended, read from its checkpoint — the trainer writes one when it stops, on
 * its epochs, its step limit or its time budget, so it holds the true step count, the clock and the
 * running totals of an epoch cut short — with the final test evaluation. Null when the folder has no
 * checkpoint (the linear command writes none), or one that belongs to another network or to fewer
 * steps than the metrics log: then the report reads the log alone.
 */
export function trainingEndFromCheckpoint(
  checkpointPath: string, definition: LayerDefinition[], metrics: readonly MetricsLine[], evaluation: Evaluation,
): TrainingEnd | null {
  if (!fs.existsSync(checkpointPath)) return null;
  let checkpoint: Partial<Checkpoint>;
  try {
    checkpoint = JSON.parse(fs.readFileSync(checkpointPath, 'utf8')) as Partial<Checkpoint>;
  } catch {
    return null;
  }
  const lastLoggedStep = metrics.reduce((most, line) => Math.max(most, line.step), 0);
  if (
    checkpoint.format !== 'convnet-ts-checkpoint' || typeof checkpoint.globalStep !== 'number' || typeof checkpoint.epoch !== 'number' ||
    typeof checkpoint.seconds !== 'number' || typeof checkpoint.order !== 'string' || checkpoint.globalStep < lastLoggedStep ||
    JSON.stringify(checkpoint.model?.definition) !== JSON.stringify(definition)
  ) {
    return null;
  }
  // The epoch's order is base64 of one int32 per training image: its length gives the set's size.
  const trainCount = Buffer.from(checkpoint.order, 'base64').length / 4;
  const seen = checkpoint.epochTotals?.seen ?? 0;
  const partial = seen > 0 && trainCount > 0;
  return {
    steps: checkpoint.globalStep,
    seconds: checkpoint.seconds,
    epochs: checkpoint.epoch + (partial ? seen / trainCount : 0),
    ...(partial ? { partialEpochTrainAccuracy: checkpoint.epochTotals!.correct / seen } : {}),
    ...(evaluation.count > 0 ? { test: { accuracy: evaluation.accuracy, count: evaluation.count } } : {}),
  };
}

/** Writes the pictures and report.html; returns the report's path. */
export function writeRunReport(input: RunReportInput): string {
  const { run, net, test, preprocessing, classNames } = input;
  const metrics: readonly MetricsLine[] = fs.existsSync(run.metricsPath)
    ? parseMetricsJsonl(fs.readFileSync(run.metricsPath, 'utf8'), run.metricsPath).lines
    : [];
  const evaluation = input.evaluation ?? evaluate(net, test, preprocessing);
  const confusion = {
    trueLabels: test.labels.subarray(0, evaluation.count),
    predictedLabels: evaluation.predictions,
    classNames,
  };

  // Example predictions: the first 12 test images, then wrong ones up to 24 in all, so both show.
  const examples: PredictionExample[] = [];
  const addExample = (index: number) => {
    const { input: batch, picture } = testImage(test, index, preprocessing);
    const output = net.forward(batch, INFERENCE).data;
    examples.push({ image: picture, trueLabel: test.labels[index], probabilities: Float32Array.from(output) });
  };
  for (let i = 0; i < Math.min(12, evaluation.count); i++) addExample(i);
  for (let i = 12; i < evaluation.count && examples.length < 24; i++) {
    if (evaluation.predictions[i] !== test.labels[i]) addExample(i);
  }

  // Activation maps of one image (the given one, else the first test image): the input, then every
  // layer's output.
  const activations: ActivationLayer[] = [];
  if (input.activationInput || evaluation.count > 0) {
    const batch = input.activationInput?.input ?? testImage(test, 0, preprocessing).input;
    const label = input.activationInput?.label ?? `test image 0 (${classNames[test.labels[0]]})`;
    activations.push({ layerName: `input: ${label}`, shape: [...net.inputShape], maps: Float32Array.from(batch.data) });
    let activation = batch;
    for (const layer of net.layers) {
      activation = layer.forward(activation, INFERENCE);
      activations.push({ layerName: `${layer.name} (${layer.type})`, shape: [...layer.outputShape], maps: Float32Array.from(activation.data) });
    }
  }

  const convLayers = net.layers.filter((layer) => layer.type === 'conv');
  const filters = convLayers.map((layer) => ({
    layerName: layer.name,
    weights: layer.parameters().find((p) => p.name === 'weights')!.value,
  }));
  for (const f of filters) {
    run.writeText(`filters-${f.layerName}.png`, encodePng(filterPicture(f.weights).grid.image));
  }
  const isLinear = net.layers.length === 2 && net.layers[0].type === 'fc';
  const templates = isLinear
    ? { weights: net.layers[0].parameters().find((p) => p.name === 'weights')!.value, classNames, imageShape: [test.channels, test.height, test.width] as [number, number, number] }
    : undefined;
  if (templates) run.writeText('templates.png', encodePng(classTemplates(templates.weights, templates).grid.image));
  if (metrics.length > 0) {
    run.writeText('loss.svg', lossChartSvg(metrics));
    if (metrics.some((line) => line.kind === 'epoch')) run.writeText('accuracy.svg', accuracyChartSvg(metrics));
  }
  run.writeText('confusion.svg', confusionMatrixSvg(confusion, 'Confusion matrix, test set'));

  const end = trainingEndFromCheckpoint(run.checkpointPath, input.definition, metrics, evaluation);
  const html = buildReport({
    ...(end ? { end } : {}),
    title: input.title,
    subtitle: new Date().toISOString().slice(0, 19).replace('T', ' ') + ' UTC',
    modelSummary: input.summaryText,
    metrics,
    confusion,
    predictions: { examples, classNames },
    ...(templates ? { templates } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    activations,
    ...(input.notes ? { notes: input.notes } : {}),
    ...(input.extraSections ? { extraSections: input.extraSections } : {}),
    encodePng,
  });
  return run.writeText('report.html', html);
}
