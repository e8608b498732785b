/**
 * Convolution filters as pictures.
 *
 * A conv layer's weight is (K, C, F, F): K filters, each C input channels deep and F×F wide (F×F'
 * rectangles work too). Two views:
 *
 * - Colour (C = 3, the first layer on RGB input): each filter is one small colour picture, its three
 *   channels read as R, G, B. Trained first layers show oriented edges and colour blobs (Krizhevsky et
 *   al. 2012); noisy ones mean too little training or too high a learning rate.
 * - Grey (any C, deeper layers): a K×C grid, row k = filter k, column c = its slice on input channel c,
 *   so one can see which input channels a filter listens to. By default each filter (row) is
 *   normalized on its own range over all its slices, so slices of one filter are comparable; 'slice'
 *   normalizes every tile alone and 'global' uses one range for the whole layer.
 */
import { ShapeError, formatShape } from '../errors.ts';
import { scaleFor, tileImages, toByte, valueRange, type ImageGrid, type PlanarImage } from './image-grid.ts';
import { gridSvg } from './grid-figure.ts';
import { pngDataUri, type EncodePng } from './data-uri.ts';
import type { WeightMatrix } from './templates.ts';

/** Dark lines between filters: light filter pixels would melt into a white background. */
const SEPARATOR = [48, 48, 48] as const;

export interface FilterOptions {
  /** 'colour' needs C = 3; 'auto' (default) picks colour when C = 3, grey otherwise. */
  readonly mode?: 'auto' | 'colour' | 'grey';
  /** Grey mode range: per filter row (default), per slice, or one for the layer. */
  readonly normalize?: 'filter' | 'slice' | 'global';
  /** Show at most this many filters (the first ones); default all. */
  readonly maxFilters?: number;
  /** Grey mode: show at most this many input channels per filter; default 32 (the captions say when some are left out). */
  readonly maxChannels?: number;
  /** Integer upscaling; default: enough to make a filter about 40 (colour) or 28 (grey) pixels wide. */
  readonly scale?: number;
}

export interface FilterPicture {
  readonly mode: 'colour' | 'grey';
  /** The weight's shape (K, C, F, F'), as given. */
  readonly shape: readonly number[];
  /** Filters and channels actually drawn (after maxFilters / maxChannels). */
  readonly filters: number;
  readonly channels: number;
  readonly grid: ImageGrid;
  /** Grey mode: "k" per row and "c" per column, for gridSvg. */
  readonly rowLabels?: readonly string[];
  readonly columnLabels?: readonly string[];
}

function checkFilterShape(weights: WeightMatrix): [number, number, number, number] {
  const shape = weights.shape;
  if (shape.length !== 4 || shape.some((dim) => !Number.isInteger(dim) || dim < 1)) {
    throw new ShapeError(`filterPicture: conv weights must have shape (K, C, F, F), got ${formatShape(shape)}`);
  }
  const [filters, channels, filterHeight, filterWidth] = shape as [number, number, number, number];
  const size = filters * channels * filterHeight * filterWidth;
  if (weights.data.length !== size) {
    throw new ShapeError(`filterPicture: weights of shape ${formatShape(shape)} need ${size} values, got ${weights.data.length}`);
  }
  return [filters, channels, filterHeight, filterWidth];
}

/**
 * Lays out conv weights (K, C, F, F') as a picture: K colour tiles (C = 3), or a K×C grid of grey
 * slices. Filter k, channel c, pixel (y, x) is read at ((k*C + c)*F + y)*F' + x.
 */
export function filterPicture(weights: WeightMatrix, options: FilterOptions = {}): FilterPicture {
  const [filterCount, channelCount, filterHeight, filterWidth] = checkFilterShape(weights);
  const requested = options.mode ?? 'auto';
  if (requested === 'colour' && channelCount !== 3) {
    throw new ShapeError(`filterPicture: colour mode needs C = 3 input channels, got weights ${formatShape(weights.shape)}`);
  }
  const mode = requested === 'auto' ? (channelCount === 3 ? 'colour' : 'grey') : requested;
  const filters = Math.min(filterCount, options.maxFilters ?? filterCount);
  const sliceSize = filterHeight * filterWidth;
  const filterSize = channelCount * sliceSize;
  const data = weights.data;
  const slice = (start: number, length: number): number[] => {
    const values = new Array<number>(length);
    for (let i = 0; i < length; i++) values[i] = data[start + i]!;
    return values;
  };

  if (mode === 'colour') {
    const tiles: PlanarImage[] = [];
    for (let k = 0; k < filters; k++) {
      tiles.push({ channels: 3, height: filterHeight, width: filterWidth, data: slice(k * filterSize, filterSize) });
    }
    const grid = tileImages(tiles, {
      scale: options.scale ?? scaleFor(filterHeight, filterWidth, 40),
      padding: 2,
      background: SEPARATOR,
      normalize: 'tile',
    });
    return { mode, shape: weights.shape, filters, channels: 3, grid };
  }

  const channels = Math.min(channelCount, options.maxChannels ?? 32);
  const normalize = options.normalize ?? 'filter';
  const layerRange = valueRange(data);
  const tiles: PlanarImage[] = [];
  for (let k = 0; k < filters; k++) {
    const filterValues = slice(k * filterSize, filterSize);
    const filterRange = valueRange(filterValues);
    for (let c = 0; c < channels; c++) {
      const values = filterValues.slice(c * sliceSize, (c + 1) * sliceSize);
      // Normalize here, to bytes, so that one range can span a whole row of tiles.
      const range = normalize === 'filter' ? filterRange : normalize === 'global' ? layerRange : valueRange(values);
      tiles.push({
        channels: 1,
        height: filterHeight,
        width: filterWidth,
        data: values.map((value) => toByte(value, range.min, range.max)),
      });
    }
  }
  const grid = tileImages(tiles, {
    columns: channels,
    scale: options.scale ?? scaleFor(filterHeight, filterWidth, 28),
    padding: 2,
    background: SEPARATOR,
    normalize: { min: 0, max: 255 },
  });
  return {
    mode,
    shape: weights.shape,
    filters,
    channels,
    grid,
    rowLabels: Array.from({ length: filters }, (_, k) => `k${k}`),
    columnLabels: Array.from({ length: channels }, (_, c) => `c${c}`),
  };
}

/**
 * What a filter picture shows, in words: "16 filters as RGB", "20 filters × 20 input channels, grey",
 * or with a cap "64 filters × 64 input channels (first 32 filters, first 32 channels shown), grey".
 * The counts are the layer's — K and C of its weight (K, C, F, F') — not those drawn.
 */
export function filterCaption(picture: FilterPicture): string {
  const [filterCount, channelCount] = picture.shape as [number, number];
  const cut = [
    ...(picture.filters < filterCount ? [`first ${picture.filters} filters`] : []),
    ...(picture.mode === 'grey' && picture.channels < channelCount ? [`first ${picture.channels} channels`] : []),
  ];
  const shown = cut.length > 0 ? ` (${cut.join(', ')} shown)` : '';
  return picture.mode === 'colour'
    ? `${filterCount} filters as RGB${shown}`
    : `${filterCount} filters × ${channelCount} input channels${shown}, grey`;
}

/** The filter picture as an SVG with a title naming the layer and shape (and row/column labels in grey mode). */
export function filtersSvg(picture: FilterPicture, encodePng: EncodePng, layerName = 'conv'): string {
  const shown = filterCaption(picture);
  return gridSvg(picture.grid, pngDataUri(picture.grid.image, encodePng), {
    title: `${layerName} weights ${formatShape(picture.shape)}: ${shown}`,
    ...(picture.rowLabels ? { rowLabels: picture.rowLabels } : {}),
    ...(picture.columnLabels ? { columnLabels: picture.columnLabels } : {}),
    fontSize: 11,
  });
}
