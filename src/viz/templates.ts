/**
 * Linear classifier templates: the picture of what a linear classifier (softmax or SVM) has learned.
 *
 * A linear classifier scores image x (flattened to D = C·H·W values) for class k as s_k = W_k · x + b_k.
 * Row W_k has the shape of an image, and the score is large when x looks like it: so each row, drawn
 * as a picture, is the class's "template" (CS231n: the horse template with two heads, the blue-ish
 * ship and plane). Each row is normalized on its own range, 255·(w - min_k)/(max_k - min_k), since the
 * classes' weights differ in scale and only the pattern matters.
 *
 * Weights are (K, D) row-major with D = C·H·W and each row in the library's planar (C, H, W) order,
 * the layout of a fully connected layer's weight on NCHW input (no bias column: pass the bias
 * separately, it is not part of the picture).
 */
import { ShapeError, formatShape } from '../errors.ts';
import { tileImages, type ImageGrid, type PlanarImage } from './image-grid.ts';
import { gridSvg } from './grid-figure.ts';
import { pngDataUri, type EncodePng } from './data-uri.ts';

/** A matrix or tensor: data plus shape, e.g. a Tensor of shape (K, D). */
export interface WeightMatrix {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

export interface TemplateOptions {
  /** One name per class (K of them); captions under each template. */
  readonly classNames: readonly string[];
  /** Shape (C, H, W) of one input image; default (3, 32, 32), CIFAR-10. */
  readonly imageShape?: readonly [number, number, number];
  /** Integer upscaling so that the small templates are visible; default 3. */
  readonly scale?: number;
  /** Templates per row; default 5 (two rows for CIFAR-10's ten classes). */
  readonly columns?: number;
  /** Caption font size in pixels; default 13. */
  readonly fontSize?: number;
}

export interface ClassTemplates {
  /** The plain grid (no caption strips): the PNG to save on its own. */
  readonly grid: ImageGrid;
  /** The same tiles with a caption strip under each row, for the SVG. */
  readonly captionedGrid: ImageGrid;
  readonly classNames: readonly string[];
}

/**
 * Slices W (K, D) into K planar (C, H, W) images, one per class, without copying.
 * Throws ShapeError when D ≠ C·H·W or the class names do not number K.
 */
export function templateImages(
  weights: WeightMatrix,
  imageShape: readonly [number, number, number],
  classCount?: number,
): PlanarImage[] {
  const [channels, height, width] = imageShape;
  const size = channels * height * width;
  if (weights.shape.length !== 2 || weights.shape[1] !== size) {
    const hint = weights.shape[1] === size + 1 ? ' (drop the bias column first)' : '';
    throw new ShapeError(
      `classTemplates: weights of shape ${formatShape(weights.shape)} must be (K, ${size}) for images ` +
        `${formatShape(imageShape)}${hint}`,
    );
  }
  const classes = weights.shape[0]!;
  if (classCount !== undefined && classCount !== classes) {
    throw new ShapeError(`classTemplates: weights have ${classes} rows but ${classCount} class names were given`);
  }
  if (weights.data.length !== classes * size) {
    throw new ShapeError(
      `classTemplates: weights of shape ${formatShape(weights.shape)} need ${classes * size} values, got ${weights.data.length}`,
    );
  }
  const images: PlanarImage[] = [];
  for (let k = 0; k < classes; k++) {
    images.push({ channels, height, width, data: rowView(weights.data, k * size, size) });
  }
  return images;
}

/** Row [start, start + length) of `data` as an ArrayLike, a subarray view when the data is typed. */
function rowView(data: ArrayLike<number>, start: number, length: number): ArrayLike<number> {
  if (ArrayBuffer.isView(data)) return (data as unknown as Float32Array).subarray(start, start + length);
  return Array.prototype.slice.call(data, start, start + length) as number[];
}

/**
 * The K class templates of W (K, C·H·W) as image grids, each template normalized on its own range.
 * `grid` is the plain picture; `captionedGrid` has room under each row for the class names.
 */
export function classTemplates(weights: WeightMatrix, options: TemplateOptions): ClassTemplates {
  const imageShape = options.imageShape ?? [3, 32, 32];
  const images = templateImages(weights, imageShape, options.classNames.length);
  const fontSize = options.fontSize ?? 13;
  const base = {
    columns: Math.min(options.columns ?? 5, images.length),
    scale: options.scale ?? 3,
    padding: 6,
    normalize: 'tile' as const,
  };
  return {
    grid: tileImages(images, base),
    captionedGrid: tileImages(images, { ...base, captionSpace: Math.round(fontSize * 1.8) }),
    classNames: options.classNames,
  };
}

/** The templates as an SVG: the captioned grid inlined as a PNG data: URI, class names under each. */
export function classTemplatesSvg(
  templates: ClassTemplates,
  encodePng: EncodePng,
  title = 'Linear classifier templates (rows of W, each normalized to its own range)',
  fontSize = 13,
): string {
  return gridSvg(templates.captionedGrid, pngDataUri(templates.captionedGrid.image, encodePng), {
    title,
    captions: templates.classNames,
    fontSize,
  });
}
