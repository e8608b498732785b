/**
 * Activations: what each layer computes for one input image, drawn as grey maps (ConvNetJS's
 * per-layer view).
 *
 * A conv, ReLU or pool layer's output for one image is (C, H, W): C maps of H×W, each drawn as one
 * grey tile normalized on its own range (white = the map's largest value, black = its smallest; an
 * all-zero map, typical of dead ReLUs, is black). A fully connected layer's output is (D): one strip of
 * D cells normalized together, wrapped into rows of ⌈√D⌉ cells when D > 64 so that it stays on screen
 * (cells past D are drawn black). Captions give the layer name, the shape and the layer's overall
 * min/max, since the per-map normalization hides the scale.
 */
import { ShapeError, formatShape } from '../errors.ts';
import { scaleFor, tileImages, valueRange, type ImageGrid, type PlanarImage } from './image-grid.ts';
import { gridFigureHtml, gridSvg } from './grid-figure.ts';
import { pngDataUri, type EncodePng } from './data-uri.ts';
import { formatValue } from './svg.ts';

/** One layer's output for one input image: shape (C, H, W) or (D); a leading batch dim of 1 is allowed. */
export interface ActivationLayer {
  readonly layerName: string;
  readonly shape: readonly number[];
  readonly maps: ArrayLike<number>;
}

export interface ActivationOptions {
  /** Draw at most this many maps per layer (the first ones); default 64. */
  readonly maxMaps?: number;
  /** Upscale each map so that its longer side is at least this many pixels; default 48. */
  readonly minTileSize?: number;
  /** Wrap rows so the grid is at most about this wide, in pixels; default 960. */
  readonly maxWidth?: number;
}

export interface ActivationPicture {
  readonly layerName: string;
  readonly shape: readonly number[];
  readonly min: number;
  readonly max: number;
  /** Maps drawn, and maps in the layer (C, or 1 for a vector). */
  readonly shown: number;
  readonly total: number;
  readonly grid: ImageGrid;
  /** "conv1 (16, 32, 32) · min -0.52 · max 3.1", plus "· first 64 of 128 maps" when cut. */
  readonly caption: string;
}

/** Drops a leading batch dimension of 1: (1, C, H, W) → (C, H, W), (1, D) → (D). */
function singleImageShape(layer: ActivationLayer): number[] {
  const shape = [...layer.shape];
  if ((shape.length === 4 || shape.length === 2) && shape[0] === 1) shape.shift();
  const size = shape.reduce((product, dim) => product * dim, 1);
  if ((shape.length !== 3 && shape.length !== 1) || shape.some((dim) => !Number.isInteger(dim) || dim < 1)) {
    throw new ShapeError(
      `activationPicture: layer '${layer.layerName}' has shape ${formatShape(layer.shape)}; expected (C, H, W) ` +
        'or (D) for one input image',
    );
  }
  if (layer.maps.length !== size) {
    throw new ShapeError(
      `activationPicture: layer '${layer.layerName}' of shape ${formatShape(layer.shape)} needs ${size} values, got ${layer.maps.length}`,
    );
  }
  return shape;
}

/** The grid of one layer's activation maps, with its caption. See the module comment. */
export function activationPicture(layer: ActivationLayer, options: ActivationOptions = {}): ActivationPicture {
  const shape = singleImageShape(layer);
  const maxMaps = options.maxMaps ?? 64;
  const minTileSize = options.minTileSize ?? 48;
  const maxWidth = options.maxWidth ?? 960;
  const { min, max } = valueRange(layer.maps);
  const padding = 2;

  let tiles: PlanarImage[];
  let grid: ImageGrid;
  if (shape.length === 1) {
    const length = shape[0]!;
    const width = length <= 64 ? length : Math.ceil(Math.sqrt(length));
    const height = Math.ceil(length / width);
    const data = new Array<number>(width * height).fill(Number.NaN);
    for (let i = 0; i < length; i++) data[i] = layer.maps[i]!;
    tiles = [{ channels: 1, height, width, data }];
    // One cell should be a visible square: minTileSize/2 wide, but the strip no wider than maxWidth.
    const scale = Math.max(1, Math.min(Math.ceil(minTileSize / 2), Math.floor((maxWidth - 2 * padding) / width)));
    grid = tileImages(tiles, { columns: 1, scale, padding, normalize: 'global', background: [238, 238, 238] });
  } else {
    const [channels, height, width] = shape as [number, number, number];
    const shown = Math.min(channels, maxMaps);
    const planeSize = height * width;
    tiles = [];
    for (let c = 0; c < shown; c++) {
      const data = new Array<number>(planeSize);
      for (let i = 0; i < planeSize; i++) data[i] = layer.maps[c * planeSize + i]!;
      tiles.push({ channels: 1, height, width, data });
    }
    const scale = scaleFor(height, width, minTileSize);
    // Balanced rows: as few rows as the width allows, then spread the maps evenly over them.
    const maxColumns = Math.max(1, Math.floor((maxWidth - padding) / (width * scale + padding)));
    const rows = Math.ceil(shown / maxColumns);
    const columns = Math.ceil(shown / rows);
    grid = tileImages(tiles, { columns, scale, padding, normalize: 'tile', background: [238, 238, 238] });
  }

  const total = shape.length === 3 ? shape[0]! : 1;
  const shown = tiles.length;
  const cut = shown < total ? ` · first ${shown} of ${total} maps` : '';
  const caption = `${layer.layerName} ${formatShape(shape)} · min ${formatValue(min)} · max ${formatValue(max)}${cut}`;
  return { layerName: layer.layerName, shape, min, max, shown, total, grid, caption };
}

/** One layer's maps as an SVG with the caption as its title. */
export function activationSvg(picture: ActivationPicture, encodePng: EncodePng): string {
  return gridSvg(picture.grid, pngDataUri(picture.grid.image, encodePng), { title: picture.caption });
}

/**
 * An HTML fragment with one <figure> per layer (maps inlined as PNG data: URIs, caption under each),
 * in the order given: input first, scores last, as the image flows through the network.
 */
export function activationsHtml(
  layers: readonly ActivationLayer[],
  encodePng: EncodePng,
  options: ActivationOptions = {},
): string {
  const figures = layers.map((layer) => {
    const picture = activationPicture(layer, options);
    return gridFigureHtml(
      picture.grid,
      pngDataUri(picture.grid.image, encodePng),
      picture.caption,
      `Activation maps of layer ${picture.layerName}`,
    );
  });
  return `<div class="activations">\n${figures.join('\n')}\n</div>`;
}
