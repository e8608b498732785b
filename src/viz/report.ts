/**
 * The training report: one self-contained HTML file with everything a person looks at after a run.
 *
 * Self-contained means it opens from disk, offline, years later: CSS is inline, pictures are PNG data:
 * URIs or inline SVG, and there are no scripts and no links to anything outside the file (the only
 * hrefs are in-page anchors "#…"). Sections whose data is absent are left out, so the same function
 * serves a bare linear classifier (curves and templates) and a convnet (filters and activations).
 *
 * Order of sections, from the headline down to the details: key figures, model, training curves,
 * confusion matrix, example predictions, classifier templates, filters, activations, notes.
 */
import type { EncodePng } from './data-uri.ts';
import { portablePngEncoder } from '../io/png-encoder.ts';
import type { EpochMetrics, MetricsLine, StepMetrics } from './metrics.ts';
import { accuracyChartSvg, lossChartSvg } from './training-curves.ts';
import { confusionMatrixSvg, type ConfusionInput } from './confusion.ts';
import { predictionsHtml, topClasses, type PredictionExample } from './predictions.ts';
import { classTemplates, classTemplatesSvg, type WeightMatrix } from './templates.ts';
import { filterPicture, filtersSvg, type FilterOptions } from './filters.ts';
import { activationsHtml, type ActivationLayer, type ActivationOptions } from './activations.ts';
import { FONT_FAMILY, MONO_FAMILY, escapeXml } from './svg.ts';

export interface ReportInput {
  readonly title: string;
  /** Preformatted text, e.g. the net's layer table; shown in a <pre>. */
  readonly modelSummary?: string;
  /** Parsed metrics.jsonl lines (see metrics.ts). */
  readonly metrics?: readonly MetricsLine[];
  readonly confusion?: ConfusionInput;
  /** Weights of a linear classifier, (K, C·H·W). */
  readonly templates?: {
    readonly weights: WeightMatrix;
    readonly classNames: readonly string[];
    readonly imageShape?: readonly [number, number, number];
  };
  /** Conv layers' weights (K, C, F, F), one picture each. */
  readonly filters?: readonly {
    readonly layerName: string;
    readonly weights: WeightMatrix;
    readonly options?: FilterOptions;
  }[];
  /** Each layer's output for one input image, input first. */
  readonly activations?: readonly ActivationLayer[];
  readonly activationOptions?: ActivationOptions;
  readonly predictions?: {
    readonly examples: readonly PredictionExample[];
    readonly classNames: readonly string[];
  };
  /** Free text (plain, escaped); blank lines separate paragraphs. */
  readonly notes?: string;
  /** Shown under the title, e.g. an ISO date; pure code does not read the clock itself. */
  readonly subtitle?: string;
  /** PNG encoder (src/io/png.ts encodePng in Node); default: the portable, uncompressed one. */
  readonly encodePng?: EncodePng;
  /**
   * How the training ended, as the console reported it. The metrics log alone cannot say: it holds
   * every 50th step and the epochs that finished, so a run stopped by its time budget at step 1199
   * (inside epoch 1) shows step 1150 and no accuracy at all. Without it, the figures come from the log.
   */
  readonly end?: TrainingEnd;
  /** Further sections, already HTML (e.g. the explain command's, src/viz/explain-sections.ts), placed before the notes. */
  readonly extraSections?: readonly { readonly id: string; readonly heading: string; readonly body: string }[];
}

/** The state of a run when its training stopped (from its last checkpoint and the final evaluation). */
export interface TrainingEnd {
  /** Parameter updates in all — the console's "after N steps". */
  readonly steps: number;
  /** Training time in seconds, as the trainer counts it (its checkpoints' clock). */
  readonly seconds: number;
  /** Epochs trained: completed ones plus the part of the one cut short, e.g. 0.77 or 3. */
  readonly epochs: number;
  /**
   * Train accuracy over the images the epoch cut short had seen (counted like an epoch line's: the
   * augmented batches, before each update); absent when training stopped at an epoch's end.
   */
  readonly partialEpochTrainAccuracy?: number;
  /** The final weights on the test set: accuracy and the number of images. */
  readonly test?: { readonly accuracy: number; readonly count: number };
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#222;font:15px/1.5 ${FONT_FAMILY}}
main{max-width:1120px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:26px;margin:8px 0 2px}
h2{font-size:19px;margin:0 0 12px;padding-bottom:6px;border-bottom:1px solid #e3e5e8}
.subtitle{color:#666;margin:0 0 16px}
nav{margin:0 0 20px;font-size:14px}
nav a{color:#3a6ea5;text-decoration:none;margin-right:14px}
section{background:#fff;border:1px solid #e3e5e8;border-radius:8px;padding:18px 22px;margin:0 0 20px}
pre{font:13px/1.45 ${MONO_FAMILY};background:#f4f5f7;padding:12px 14px;border-radius:6px;overflow-x:auto;margin:0}
svg{max-width:100%;height:auto;display:block}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.figures{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0}
figure.grid{margin:0 0 18px}
figure.grid img{display:block;max-width:100%;height:auto;border:1px solid #e3e5e8}
figcaption{font-size:13px;color:#444;margin-top:6px}
.key{display:flex;flex-wrap:wrap;gap:12px}
.key div{background:#f4f7fb;border:1px solid #dde5ef;border-radius:6px;padding:8px 14px;min-width:130px}
.key b{display:block;font-size:20px}
.key span{font-size:12px;color:#555}
.predictions{display:flex;flex-wrap:wrap;gap:12px}
.prediction{width:224px;border:2px solid #cfe3cf;border-radius:6px;padding:8px;background:#fff}
.prediction.wrong{border-color:#e15759;background:#fff6f6}
.prediction img{display:block;margin:0 auto 6px;width:96px;height:96px}
.prediction .truth{font-size:13px}
.prediction.wrong .mark{color:#c62828;font-weight:700}
.prediction.right .mark{color:#2e7d32;font-weight:700}
.prediction ol{list-style:none;padding:0;margin:4px 0 0;font-size:12px}
.prediction li{display:grid;grid-template-columns:88px 1fr 44px;gap:4px;align-items:center}
.prediction li .name{overflow-wrap:anywhere}
.prediction li.true-class .name{font-weight:700}
.prediction .bar{background:#eceff3;height:8px;border-radius:4px;overflow:hidden}
.prediction .bar span{display:block;height:100%;background:#4e79a7}
.prediction.wrong li:first-child .bar span{background:#e15759}
.prediction .p{text-align:right;font-variant-numeric:tabular-nums}
.activations figure.grid img{border-color:#ccc}
.notes p{margin:0 0 10px}
`;

/** Width of the charts: the content column of the page (1120 - 2·28 padding - 2·22 section padding). */
const CHART_WIDTH = 1020;

interface Section {
  readonly id: string;
  readonly heading: string;
  readonly body: string;
}

/** "3" for whole epochs, "0.77" for a run stopped inside one. */
function formatEpochs(epochs: number): string {
  return Number.isInteger(epochs) ? String(epochs) : epochs.toFixed(2);
}

/**
 * Headline numbers: test, validation and train accuracy, epochs, steps and training time — from how
 * the training ended when `end` is given (so they agree with the console), else from the metrics log
 * (the last epoch line, and the step count and time of the last line).
 */
function keyFigures(metrics: readonly MetricsLine[], end: TrainingEnd | undefined): string {
  const epochs = metrics.filter((line): line is EpochMetrics => line.kind === 'epoch');
  const steps = metrics.filter((line): line is StepMetrics => line.kind === 'step');
  const last = epochs[epochs.length - 1];
  const figures: [string, string][] = [];
  const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–');
  if (end?.test) figures.push([percent(end.test.accuracy), `test accuracy (${end.test.count.toLocaleString('en-US')} images)`]);
  else if (last?.testAccuracy !== undefined) figures.push([percent(last.testAccuracy), 'test accuracy']);
  if (last?.validationAccuracy !== undefined) figures.push([percent(last.validationAccuracy), 'validation accuracy']);
  if (end?.partialEpochTrainAccuracy !== undefined) {
    figures.push([percent(end.partialEpochTrainAccuracy), `train accuracy (epoch ${Math.floor(end.epochs) + 1}, so far)`]);
  } else if (last) {
    figures.push([percent(last.trainAccuracy), end ? `train accuracy (epoch ${last.epoch})` : 'train accuracy']);
  }
  const epochCount = end ? end.epochs : last?.epoch;
  if (epochCount !== undefined) figures.push([formatEpochs(epochCount), epochCount === 1 ? 'epoch' : 'epochs']);
  const lastStep = end ? end.steps : Math.max(last?.step ?? 0, steps[steps.length - 1]?.step ?? 0);
  if (lastStep > 0) figures.push([String(lastStep), 'steps']);
  const seconds = end ? end.seconds : Math.max(last?.seconds ?? 0, steps[steps.length - 1]?.seconds ?? 0);
  if (seconds > 0) figures.push([formatDuration(seconds), 'training time']);
  if (figures.length === 0) return '';
  return `<div class="key">${figures.map(([value, label]) => `<div><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`).join('')}</div>`;
}

/** 75 → "1 min 15 s", 3725 → "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * The encoder for a picture section: the caller's (Node passes zlib-compressed encodePng from
 * src/io/png.ts), else the portable one (stored deflate blocks: larger files, same pixels), so a
 * report can be built anywhere, a browser included.
 */
function requireEncoder(input: ReportInput): EncodePng {
  return input.encodePng ?? portablePngEncoder;
}

/** Builds the report (see the module comment) as one HTML document string. */
export function buildReport(input: ReportInput): string {
  const sections: Section[] = [];
  const metrics = input.metrics ?? [];
  const key = keyFigures(metrics, input.end);
  if (key) sections.push({ id: 'summary', heading: 'Key figures', body: key });
  if (input.modelSummary !== undefined) {
    sections.push({ id: 'model', heading: 'Model', body: `<pre>${escapeXml(input.modelSummary)}</pre>` });
  }
  if (metrics.length > 0) {
    // As wide as the page's content column: the loss curve has hundreds of points to spread out.
    const charts = [lossChartSvg(metrics, { width: CHART_WIDTH, height: 400 })];
    const end = input.end;
    const endAccuracies = end
      ? {
          epochs: end.epochs,
          ...(end.partialEpochTrainAccuracy !== undefined ? { trainAccuracy: end.partialEpochTrainAccuracy } : {}),
          ...(end.test ? { testAccuracy: end.test.accuracy } : {}),
        }
      : undefined;
    const classCount = input.confusion?.classNames.length ?? input.predictions?.classNames.length;
    if (metrics.some((line) => line.kind === 'epoch') || endAccuracies?.testAccuracy !== undefined) {
      charts.push(accuracyChartSvg(metrics, {
        width: CHART_WIDTH, height: 340,
        ...(endAccuracies ? { end: endAccuracies } : {}),
        ...(classCount ? { chance: 1 / classCount } : {}),
      }));
    }
    sections.push({ id: 'curves', heading: 'Training curves', body: `<div class="charts">\n${charts.join('\n')}\n</div>` });
  }
  if (input.confusion) {
    sections.push({ id: 'confusion', heading: 'Confusion matrix', body: confusionMatrixSvg(input.confusion) });
  }
  if (input.predictions && input.predictions.examples.length > 0) {
    const encodePng = requireEncoder(input);
    const examples = input.predictions.examples;
    const wrong = examples.filter((example) => topClasses(example.probabilities, 1)[0] !== example.trueLabel).length;
    sections.push({
      id: 'predictions',
      heading: `Example predictions (${wrong} of ${examples.length} wrong)`,
      body: predictionsHtml(input.predictions.examples, { classNames: input.predictions.classNames, encodePng }),
    });
  }
  if (input.templates) {
    const encodePng = requireEncoder(input);
    const templates = classTemplates(input.templates.weights, {
      classNames: input.templates.classNames,
      ...(input.templates.imageShape ? { imageShape: input.templates.imageShape } : {}),
    });
    sections.push({ id: 'templates', heading: 'Classifier templates', body: classTemplatesSvg(templates, encodePng) });
  }
  if (input.filters && input.filters.length > 0) {
    const encodePng = requireEncoder(input);
    const pictures = input.filters.map((layer) =>
      filtersSvg(filterPicture(layer.weights, layer.options), encodePng, layer.layerName),
    );
    sections.push({ id: 'filters', heading: 'Filters', body: `<div class="figures">\n${pictures.join('\n')}\n</div>` });
  }
  if (input.activations && input.activations.length > 0) {
    const encodePng = requireEncoder(input);
    sections.push({
      id: 'activations',
      heading: 'Activations for one test image',
      body: activationsHtml(input.activations, encodePng, input.activationOptions),
    });
  }
  for (const extra of input.extraSections ?? []) sections.push(extra);
  if (input.notes !== undefined && input.notes.trim() !== '') {
    const paragraphs = input.notes
      .trim()
      .split(/\n\s*\n/)
      .map((paragraph) => `<p>${escapeXml(paragraph.trim()).replace(/\n/g, '<br>')}</p>`);
    sections.push({ id: 'notes', heading: 'Notes', body: `<div class="notes">${paragraphs.join('\n')}</div>` });
  }

  const nav = sections.map((section) => `<a href="#${section.id}">${escapeXml(section.heading)}</a>`).join('');
  const body = sections
    .map((section) => `<section id="${section.id}">\n<h2>${escapeXml(section.heading)}</h2>\n${section.body}\n</section>`)
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(input.title)}</h1>`,
    input.subtitle ? `<p class="subtitle">${escapeXml(input.subtitle)}</p>` : '',
    sections.length > 1 ? `<nav>${nav}</nav>` : '',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
