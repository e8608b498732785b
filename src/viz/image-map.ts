/**
 * A map of images: each image drawn as a small tile at its 2-D position (a t-SNE embedding), with a
 * border in its class's colour — Karpathy's "t-SNE of CNN codes" picture.
 *
 *   images N × (C, H, W) bytes, coordinates (N, 2) → RGB picture (side, side)
 *   tile n's top-left = margin + (coordinate − min) / (max − min) · (side − 2·margin − tile), per axis
 * (one scale for both axes, so distances keep their proportions; the shorter axis centred). Tiles are drawn in index order, a
 * later tile covering an earlier one where they overlap.
 */
import { ConfigError } from '../errors.ts';
import type { PixelImage, PlanarImage } from './image-grid.ts';
import { PALETTE } from './svg.ts';

export interface ImageMapOptions {
  /** Side of the square picture in pixels; default 1200. */
  readonly side?: number;
  /** Integer upscaling of each image; default 1. */
  readonly scale?: number;
  /** Border width in the class colour; default 1 (0: none). */
  readonly border?: number;
}

function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** See the module comment. `labels[n]` picks the border colour (PALETTE, cycling). */
export function imageMap(images: readonly PlanarImage[], coordinates: ArrayLike<number>, labels: ArrayLike<number>, options: ImageMapOptions = {}): PixelImage {
  const count = images.length;
  if (coordinates.length !== 2 * count || labels.length !== count) {
    throw new ConfigError(`imageMap: ${count} images need ${2 * count} coordinates and ${count} labels, got ${coordinates.length} and ${labels.length}`);
  }
  if (count === 0) throw new ConfigError('imageMap: no images to place');
  const side = options.side ?? 1200;
  const scale = options.scale ?? 1;
  const border = options.border ?? 1;
  const tile = images[0].height * scale + 2 * border;
  const margin = 4;
  if (side < tile + 2 * margin) throw new ConfigError(`imageMap: a side of ${side} px cannot hold a ${tile}-px tile`);
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let n = 0; n < count; n++) {
    minX = Math.min(minX, coordinates[2 * n]);
    maxX = Math.max(maxX, coordinates[2 * n]);
    minY = Math.min(minY, coordinates[2 * n + 1]);
    maxY = Math.max(maxY, coordinates[2 * n + 1]);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const room = side - 2 * margin - tile;
  const pixels = new Uint8Array(side * side * 3).fill(255);
  for (let n = 0; n < count; n++) {
    const image = images[n];
    // The shorter axis is centred in the square.
    const left = Math.round(margin + ((coordinates[2 * n] - minX + (span - (maxX - minX)) / 2) / span) * room);
    const top = Math.round(margin + ((coordinates[2 * n + 1] - minY + (span - (maxY - minY)) / 2) / span) * room);
    const colour = hexToRgb(PALETTE[labels[n] % PALETTE.length]);
    const plane = image.height * image.width;
    const tileHeight = image.height * scale + 2 * border;
    const tileWidth = image.width * scale + 2 * border;
    for (let ty = 0; ty < tileHeight; ty++) {
      for (let tx = 0; tx < tileWidth; tx++) {
        const o = ((top + ty) * side + left + tx) * 3;
        const iy = Math.floor((ty - border) / scale);
        const ix = Math.floor((tx - border) / scale);
        if (ty < border || tx < border || ty >= tileHeight - border || tx >= tileWidth - border) {
          pixels.set(colour, o);
        } else {
          for (let c = 0; c < 3; c++) pixels[o + c] = image.data[(image.channels === 3 ? c : 0) * plane + iy * image.width + ix];
        }
      }
    }
  }
  return { width: side, height: side, channels: 3, pixels };
}
