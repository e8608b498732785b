/**
 * Training curves from a metrics log (format in metrics.ts): the two charts CS231n asks you to watch.
 *
 * - Loss vs step: the raw mini-batch loss is noisy, so it is drawn thin and faint, with an
 *   exponentially smoothed curve on top. Its shape tells the learning rate: a slow straight descent
 *   means too low, a fast drop then a plateau means too high, an explosion means far too high.
 * - Accuracy per epoch for train, validation and test: a wide gap between train and validation is
 *   overfitting (more regularization, more data); no gap and low accuracy is underfitting (a bigger
 *   model).
 */
import type { EpochMetrics, MetricsLine, StepMetrics } from './metrics.ts';
import { lineChartSvg, type Point, type Series, type VerticalMarker } from './line-chart.ts';
import { PALETTE, decimalsFor } from './svg.ts';

/**
 * Exponential moving average with bias correction (as in Adam): with s_0 = 0,
 *
 *   s_t = β·s_{t-1} + (1 - β)·x_t,      smoothed_t = s_t / (1 - β^t)
 *
 * where t counts the finite values seen so far. Dividing by 1 - β^t undoes the pull towards the zero
 * start, so the first points are not dragged down. Non-finite values (a diverged step) give NaN at
 * their position (a gap in the chart) and leave the average untouched. β = 0 returns the input.
 */
export function smoothExponential(values: readonly number[], beta: number): number[] {
  const smoothed: number[] = [];
  let average = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) {
      smoothed.push(Number.NaN);
      continue;
    }
    count++;
    average = beta * average + (1 - beta) * value;
    smoothed.push(beta === 0 ? value : average / (1 - beta ** count));
  }
  return smoothed;
}

/**
 * The default smoothing for n points: an average over a window of about n/10 points, that is
 * β = 1 - 1/window with the window clamped to [1, 50].
 */
export function defaultSmoothing(pointCount: number): number {
  const window = Math.min(50, Math.max(1, pointCount / 10));
  return 1 - 1 / window;
}

export interface LossChartOptions {
  /** β of the exponential smoothing in [0, 1); default defaultSmoothing(number of step lines). */
  readonly smoothing?: number;
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

/**
 * Loss vs step: one raw point per "step" line (x = step, y = loss; diverged steps are gaps), the
 * smoothed curve, validation loss per epoch when the log has it, and dashed epoch boundaries.
 */
export function lossChartSvg(lines: readonly MetricsLine[], options: LossChartOptions = {}): string {
  const steps = lines.filter((line): line is StepMetrics => line.kind === 'step');
  const epochs = lines.filter((line): line is EpochMetrics => line.kind === 'epoch');
  const beta = options.smoothing ?? defaultSmoothing(steps.length);
  const raw: Point[] = steps.map((line) => [line.step, line.loss]);
  const smoothed = smoothExponential(steps.map((line) => line.loss), beta);
  const series: Series[] = [
    // A line needs two points: a run that logged fewer gets dots, or its chart would look empty.
    { name: 'mini-batch loss', points: raw, color: PALETTE[0], strokeWidth: 1, opacity: 0.35, ...(raw.length < 2 ? { markers: true } : {}) },
    {
      name: `smoothed (EMA β = ${beta.toFixed(decimalsFor(Number(beta.toPrecision(3))))})`,
      points: steps.map((line, index) => [line.step, smoothed[index]!]),
      color: PALETTE[0],
      strokeWidth: 2.5,
    },
  ];
  const validation = epochs.filter((line) => line.validationLoss !== undefined);
  if (validation.length > 0) {
    series.push({
      name: 'validation loss',
      points: validation.map((line) => [line.step, line.validationLoss!]),
      color: PALETTE[1],
      markers: true,
    });
  }
  const markers: VerticalMarker[] =
    epochs.length <= 30 ? epochs.slice(0, -1).map((line) => ({ x: line.step, label: `epoch ${line.epoch}` })) : [];
  return lineChartSvg({
    title: options.title ?? 'Training loss',
    xLabel: 'step (parameter updates)',
    yLabel: 'loss',
    series,
    xMinimumStep: 1,
    verticalMarkers: markers.length <= 12 ? markers : markers.map((marker) => ({ x: marker.x, label: '' })),
    emptyMessage: 'no step lines in the metrics log',
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}

export interface AccuracyChartOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  /**
   * Where training ended. When that is inside an epoch (a time or step budget stopped it, e.g.
   * 0.77 epochs), the curves get a last point there — the train accuracy of the epoch cut short and the
   * test accuracy of the final weights — and a marker says where training stopped.
   */
  readonly end?: { readonly epochs: number; readonly trainAccuracy?: number; readonly testAccuracy?: number };
  /** Chance level, 1/K for K balanced classes: a dashed grey line from epoch 0, the floor to beat. */
  readonly chance?: number;
}

/** Formats a fraction tick as a percentage with the decimals its step needs: 0.25 → "25%". */
export function formatPercent(value: number, step: number): string {
  const text = (value * 100).toFixed(decimalsFor(Number((step * 100).toPrecision(6))));
  return `${text}%`;
}

/**
 * Accuracy vs epoch: train, validation and test (whichever the log has), one marked point per
 * "epoch" line, plus the end of a run stopped inside an epoch and the chance level when given (see
 * AccuracyChartOptions). The y axis covers the data with nice ticks, kept within [0, 1].
 */
export function accuracyChartSvg(lines: readonly MetricsLine[], options: AccuracyChartOptions = {}): string {
  const epochs = lines.filter((line): line is EpochMetrics => line.kind === 'epoch');
  const lastEpoch = epochs.length > 0 ? epochs[epochs.length - 1]!.epoch : 0;
  // The end of training is a point of its own only when it lies past the last epoch line.
  const end = options.end && options.end.epochs > lastEpoch ? options.end : undefined;
  const pick = (name: string, read: (line: EpochMetrics) => number | undefined, color: string, last?: number, dash?: string): Series | null => {
    const points: Point[] = [];
    for (const line of epochs) {
      const value = read(line);
      if (value !== undefined) points.push([line.epoch, value]);
    }
    if (end && last !== undefined) points.push([end.epochs, last]);
    if (points.length === 0) return null;
    return { name, points, color, markers: true, ...(dash ? { dash } : {}) };
  };
  const series = [
    pick('train', (line) => line.trainAccuracy, PALETTE[0], end?.trainAccuracy),
    pick('validation', (line) => line.validationAccuracy, PALETTE[1]),
    pick('test', (line) => line.testAccuracy, PALETTE[2], end?.testAccuracy, '6 4'),
  ].filter((entry): entry is Series => entry !== null);
  if (options.chance !== undefined && series.length > 0) {
    // Across the whole axis: from 0 to the last whole epoch the data reaches.
    const right = Math.ceil(Math.max(1, ...series.flatMap((entry) => entry.points.map((point) => point[0]))));
    series.push({
      name: `chance (${Number((100 * options.chance).toFixed(1))}%)`,
      points: [[0, options.chance], [right, options.chance]],
      color: '#9a9a9a',
      strokeWidth: 1.5,
      dash: '2 4',
    });
  }

  // Domain: nice bounds around the finite accuracies, never below 0 nor above 100%.
  const values = series.flatMap((entry) => entry.points.map((point) => point[1])).filter(Number.isFinite);
  let yDomain: [number, number] = [0, 1];
  if (values.length > 0) {
    const low = Math.min(...values);
    const high = Math.max(...values);
    const pad = Math.max(0.02, (high - low) * 0.1);
    const lower = Math.max(0, Math.floor(((low - pad) * 20)) / 20);
    const upper = Math.min(1, Math.ceil(((high + pad) * 20)) / 20);
    yDomain = [lower, upper > lower ? upper : Math.min(1, lower + 0.05)];
  }
  return lineChartSvg({
    title: `${options.title ?? 'Accuracy per epoch'}${end ? ` · training stopped at ${end.epochs.toFixed(2)} epochs (vertical line)` : ''}`,
    xLabel: 'epoch',
    yLabel: 'accuracy',
    series,
    yDomain,
    xMinimumStep: 1,
    yTickFormat: formatPercent,
    // The marker's label goes into the title: beside a line near the y axis it would be cut off.
    ...(end ? { verticalMarkers: [{ x: end.epochs, label: '' }] } : {}),
    emptyMessage: 'no epoch lines in the metrics log',
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}
