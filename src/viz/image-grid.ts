/**
 * Image grids: many small pictures tiled into one RGB picture, the way CS231n and ConvNetJS show
 * weights, filters and activations.
 *
 * Input tiles are planar (C, H, W) with C = 1 (grey) or C = 3 (RGB), the NCHW layout of the rest of
 * the library with N taken off: value (c, y, x) sits at (c*H + y)*W + x. The output is the layout
 * image files use, HWC uint8 RGB: pixel (y, x) channel c sits at (y*width + x)*3 + c. Grey tiles are
 * copied into all three channels.
 *
 * Layout (all sizes in output pixels): every tile is upscaled by an integer factor S (nearest
 * neighbour: each source pixel becomes an S×S block, so small 32×32 pictures stay sharp), and tiles sit
 * in a grid of `columns` columns with `padding` pixels of background between tiles and around the
 * border:
 *
 *   cellWidth  = W*S,   cellHeight = H*S
 *   width      = columns*cellWidth + (columns + 1)*padding
 *   height     = rows*(cellHeight + B) + (rows + 1)*padding,      rows = ceil(count / columns)
 *   tile i at  x = padding + (i mod columns)*(cellWidth + padding),
 *              y = padding + floor(i / columns)*(cellHeight + B + padding)
 *
 * where B (`captionSpace`, default 0) is an empty strip of background under each row of tiles that an
 * SVG wrapper fills with captions.
 *
 * PixelNormalization maps values to bytes: v ↦ round(255*(v - min)/(max - min)), clamped to [0, 255].
 * - 'tile'   (default): min/max of each tile over all its channels (one range per tile, not per
 *            channel, so that colours keep their hue);
 * - 'global': one min/max over every tile, so tiles can be compared with each other;
 * - {min, max}: a fixed range, e.g. {min: 0, max: 255} for raw uint8 pictures.
 * A tile with no contrast (max = min) has nothing to show and is drawn black: a dead ReLU map reads
 * as an empty, dark square.
 *
 * PNG has no text, so labels are not drawn here: the returned tile rectangles let an SVG or HTML
 * wrapper (grid-figure.ts) put captions next to the right tile.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';

/** One planar image (C, H, W), C = 1 or 3, values as floats or bytes. */
export interface PlanarImage {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: ArrayLike<number>;
}

/** An interleaved 8-bit image (H, W, C), the layout of PNG files; the same shape src/io/png.ts takes. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; grids are always RGB. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly pixels: Uint8Array;
}

export type RGB = readonly [number, number, number];

export type PixelNormalization = 'tile' | 'global' | { readonly min: number; readonly max: number };

export interface GridOptions {
  /** Tiles per row; default ceil(sqrt(count)), a roughly square grid. */
  readonly columns?: number;
  /** Background pixels between tiles and around the border (output pixels, not scaled); default 1. */
  readonly padding?: number;
  /** Integer upscaling factor S ≥ 1 (nearest neighbour); default 1. */
  readonly scale?: number;
  /** Background colour, RGB bytes; default white. */
  readonly background?: RGB;
  /** How values become bytes; default 'tile'. */
  readonly normalize?: PixelNormalization;
  /** Empty background pixels under each row of tiles, room for captions drawn by a wrapper; default 0. */
  readonly captionSpace?: number;
}

/** Where tile i landed in the grid picture, in output pixels. */
export interface TileRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ImageGrid {
  readonly image: PixelImage;
  readonly columns: number;
  readonly rows: number;
  readonly tiles: readonly TileRect[];
  /** Background strip under each row, reserved for captions (GridOptions.captionSpace). */
  readonly captionSpace: number;
  /** The value range that mapped to 0..255, one per tile (equal for all tiles unless 'tile'). */
  readonly ranges: readonly { readonly min: number; readonly max: number }[];
}

/**
 * Smallest and largest finite value of `data`; {0, 0} when there is none. NaN and ±Infinity (a
 * diverged network) are skipped so that one bad value does not flatten the whole picture.
 */
export function valueRange(data: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

/**
 * Maps one value to a byte: round(255*(value - min)/(max - min)) clamped to [0, 255]; 0 when
 * max ≤ min (no contrast) or the value is NaN.
 */
export function toByte(value: number, min: number, max: number): number {
  if (!(max > min)) return 0;
  const scaled = Math.round((255 * (value - min)) / (max - min));
  if (!(scaled > 0)) return 0; // also catches NaN
  return scaled > 255 ? 255 : scaled;
}

function checkTile(tile: PlanarImage, index: number, first: PlanarImage): void {
  const where = `tileImages: tile ${index}`;
  if (tile.channels !== 1 && tile.channels !== 3) {
    throw new ShapeError(`${where} has ${tile.channels} channels; expected 1 (grey) or 3 (RGB)`);
  }
  if (tile.height !== first.height || tile.width !== first.width) {
    throw new ShapeError(
      `${where} is ${tile.height}×${tile.width} but tile 0 is ${first.height}×${first.width}; ` +
        'all tiles of one grid must have the same size',
    );
  }
  const expected = tile.channels * tile.height * tile.width;
  if (tile.data.length !== expected) {
    throw new ShapeError(
      `${where}: shape ${formatShape([tile.channels, tile.height, tile.width])} needs ${expected} ` +
        `values, got ${tile.data.length}`,
    );
  }
}

function checkOptions(count: number, columns: number, padding: number, scale: number, captionSpace: number): void {
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ConfigError(`tileImages: columns must be a positive integer, got ${columns}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new ConfigError(`tileImages: padding must be a non-negative integer, got ${padding}`);
  }
  if (!Number.isInteger(scale) || scale < 1) {
    throw new ConfigError(`tileImages: scale must be an integer ≥ 1 (nearest upscaling), got ${scale}`);
  }
  if (!Number.isInteger(captionSpace) || captionSpace < 0) {
    throw new ConfigError(`tileImages: captionSpace must be a non-negative integer, got ${captionSpace}`);
  }
  if (count === 0) throw new ConfigError('tileImages: no tiles given; expected at least one image');
}

/**
 * Tiles `tiles` (each (C, H, W), C = 1 or 3, all of one H×W) into one RGB picture (HWC uint8).
 * See the module comment for the layout formula and the normalization modes.
 */
export function tileImages(tiles: readonly PlanarImage[], options: GridOptions = {}): ImageGrid {
  const count = tiles.length;
  const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(count)));
  const padding = options.padding ?? 1;
  const scale = options.scale ?? 1;
  const background = options.background ?? [255, 255, 255];
  const normalize = options.normalize ?? 'tile';
  const captionSpace = options.captionSpace ?? 0;
  checkOptions(count, columns, padding, scale, captionSpace);
  const first = tiles[0]!;
  tiles.forEach((tile, index) => checkTile(tile, index, first));

  const tileHeight = first.height;
  const tileWidth = first.width;
  const cellWidth = tileWidth * scale;
  const cellHeight = tileHeight * scale;
  const rows = Math.ceil(count / columns);
  const width = columns * cellWidth + (columns + 1) * padding;
  const height = rows * (cellHeight + captionSpace) + (rows + 1) * padding;

  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 3] = background[0];
    pixels[i * 3 + 1] = background[1];
    pixels[i * 3 + 2] = background[2];
  }

  const globalRange =
    normalize === 'global' ? combinedRange(tiles.map((tile) => valueRange(tile.data))) : undefined;
  const rects: TileRect[] = [];
  const ranges: { min: number; max: number }[] = [];
  const planeSize = tileHeight * tileWidth;

  for (let index = 0; index < count; index++) {
    const tile = tiles[index]!;
    const range =
      normalize === 'tile' ? valueRange(tile.data) : normalize === 'global' ? globalRange! : normalize;
    const left = padding + (index % columns) * (cellWidth + padding);
    const top = padding + Math.floor(index / columns) * (cellHeight + captionSpace + padding);
    rects.push({ x: left, y: top, width: cellWidth, height: cellHeight });
    ranges.push({ min: range.min, max: range.max });

    for (let y = 0; y < tileHeight; y++) {
      for (let x = 0; x < tileWidth; x++) {
        const source = y * tileWidth + x;
        // Grey tiles read plane 0 for all three channels; RGB tiles read planes 0, 1, 2.
        const red = toByte(tile.data[source]!, range.min, range.max);
        const green = tile.channels === 3 ? toByte(tile.data[planeSize + source]!, range.min, range.max) : red;
        const blue = tile.channels === 3 ? toByte(tile.data[2 * planeSize + source]!, range.min, range.max) : red;
        // Nearest-neighbour upscaling: source pixel (y, x) fills the S×S block at (y*S, x*S).
        for (let dy = 0; dy < scale; dy++) {
          let offset = ((top + y * scale + dy) * width + left + x * scale) * 3;
          for (let dx = 0; dx < scale; dx++) {
            pixels[offset] = red;
            pixels[offset + 1] = green;
            pixels[offset + 2] = blue;
            offset += 3;
          }
        }
      }
    }
  }

  return { image: { width, height, channels: 3, pixels }, columns, rows, tiles: rects, captionSpace, ranges };
}

function combinedRange(ranges: readonly { min: number; max: number }[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const range of ranges) {
    if (range.min < min) min = range.min;
    if (range.max > max) max = range.max;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

/**
 * The integer scale S that makes a tile of size max(H, W) at least `minimumSize` pixels wide:
 * S = max(1, ceil(minimumSize / max(H, W))).
 */
export function scaleFor(height: number, width: number, minimumSize: number): number {
  return Math.max(1, Math.ceil(minimumSize / Math.max(1, height, width)));
}
