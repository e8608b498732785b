/**
 * Example predictions: test images with the model's top classes and their probabilities, as an HTML
 * fragment. Looking at the mistakes (marked in red) tells more than the accuracy does: a plane taken
 * for a bird is a forgivable error, a frog taken for a truck is not.
 *
 * Each example is a planar image (C, H, W), its true class index and the K class probabilities (the
 * softmax output). The predicted class is the most probable one (ties: the lower index, the same rule
 * as argmax everywhere in the library); an example is wrong when it differs from the true class.
 */
import { ShapeError } from '../errors.ts';
import { tileImages, type PixelNormalization, type PlanarImage } from './image-grid.ts';
import { pngDataUri, type EncodePng } from './data-uri.ts';
import { escapeXml } from './svg.ts';

export interface PredictionExample {
  readonly image: PlanarImage;
  readonly trueLabel: number;
  /** K probabilities, one per class (need not sum exactly to 1). */
  readonly probabilities: ArrayLike<number>;
}

export interface PredictionOptions {
  readonly classNames: readonly string[];
  readonly encodePng: EncodePng;
  /** How many top classes to list; default 3. */
  readonly topK?: number;
  /** Integer upscaling of the pictures; default 3 (32×32 → 96×96). */
  readonly scale?: number;
  /** Pixel normalization; default 'tile' (each picture stretched to its own range). */
  readonly normalize?: PixelNormalization;
}

/**
 * Class indices sorted by probability, highest first (ties: lower index first), cut to `count`.
 */
export function topClasses(probabilities: ArrayLike<number>, count: number): number[] {
  const indices = Array.from({ length: probabilities.length }, (_, index) => index);
  const value = (index: number) => (Number.isFinite(probabilities[index]!) ? probabilities[index]! : -Infinity);
  indices.sort((a, b) => value(b) - value(a) || a - b);
  return indices.slice(0, count);
}

/** Formats a probability as a percentage with one decimal ("62.1%"). */
function percent(probability: number): string {
  return Number.isFinite(probability) ? `${(probability * 100).toFixed(1)}%` : '–';
}

/**
 * An HTML fragment: a wrapping row of cards, one per example, each with the picture, the true class,
 * a ✓ or ✗, and the top-K classes with probability bars. Wrong cards have the class "wrong" (red
 * border in the report's stylesheet) and say what was predicted.
 */
export function predictionsHtml(examples: readonly PredictionExample[], options: PredictionOptions): string {
  const classCount = options.classNames.length;
  const topK = Math.min(options.topK ?? 3, classCount);
  const cards = examples.map((example, index) => {
    if (example.probabilities.length !== classCount) {
      throw new ShapeError(
        `predictionsHtml: example ${index} has ${example.probabilities.length} probabilities for ${classCount} class names`,
      );
    }
    if (!Number.isInteger(example.trueLabel) || example.trueLabel < 0 || example.trueLabel >= classCount) {
      throw new ShapeError(`predictionsHtml: example ${index} has true label ${example.trueLabel}, not in [0, ${classCount})`);
    }
    const grid = tileImages([example.image], {
      columns: 1,
      padding: 0,
      scale: options.scale ?? 3,
      normalize: options.normalize ?? 'tile',
    });
    const top = topClasses(example.probabilities, topK);
    const predicted = top[0]!;
    const wrong = predicted !== example.trueLabel;
    const trueName = options.classNames[example.trueLabel]!;
    const rows = top
      .map((classIndex) => {
        const probability = example.probabilities[classIndex]!;
        const width = Number.isFinite(probability) ? Math.max(0, Math.min(100, probability * 100)) : 0;
        const kind = classIndex === example.trueLabel ? ' class="true-class"' : '';
        return (
          `<li${kind}><span class="name">${escapeXml(options.classNames[classIndex]!)}</span>` +
          `<span class="bar"><span style="width:${width.toFixed(1)}%"></span></span>` +
          `<span class="p">${percent(probability)}</span></li>`
        );
      })
      .join('');
    const verdict = wrong
      ? `<span class="mark" title="wrong">✗</span> predicted ${escapeXml(options.classNames[predicted]!)}`
      : `<span class="mark" title="right">✓</span>`;
    return (
      `<figure class="prediction ${wrong ? 'wrong' : 'right'}">` +
      `<img src="${pngDataUri(grid.image, options.encodePng)}" width="${grid.image.width}" height="${grid.image.height}" ` +
      `alt="${escapeXml(`test image of a ${trueName}`)}" style="image-rendering:pixelated">` +
      `<figcaption><div class="truth">true: <b>${escapeXml(trueName)}</b> ${verdict}</div>` +
      `<ol class="top">${rows}</ol></figcaption></figure>`
    );
  });
  return `<div class="predictions">\n${cards.join('\n')}\n</div>`;
}
