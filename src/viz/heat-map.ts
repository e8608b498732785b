/**
 * Heat maps over images: one value per pixel (an occlusion map, a saliency map) drawn in colour and
 * blended over the picture it explains, so one sees *where* in the image the value is high.
 *
 *   image (C, H, W) bytes 0..255 (C = 1 or 3), map (H, W) floats → RGB picture (H·S, W·S), S = scale
 *   t = (value − min) / (max − min) ∈ [0, 1]   (the map's own range unless one is given)
 *   out = (1 − α·t_w) · grey(image) + α·t_w · colour(t)
 * where t_w = t for 'hot where high' (saliency: high = matters) and α the opacity. The picture is shown
 * in grey under the colour, so the heat is not confused with the image's own colours.
 */
import { ConfigError } from '../errors.ts';
import type { PixelImage, PlanarImage, RGB } from './image-grid.ts';
import { valueRange } from './image-grid.ts';

/** The colour scale: dark blue → red → yellow (black-body like), t ∈ [0, 1]. */
export function heatRgb(t: number): RGB {
  const stops: RGB[] = [[20, 30, 120], [200, 30, 40], [255, 200, 40], [255, 255, 210]];
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(clamped));
  const local = clamped - index;
  const from = stops[index];
  const to = stops[index + 1];
  return [0, 1, 2].map((c) => Math.round(from[c] + (to[c] - from[c]) * local)) as unknown as RGB;
}

export interface HeatMapOptions {
  /** Integer upscaling, nearest neighbour; default 4. */
  readonly scale?: number;
  /** α, how strongly the colour covers the image; default 0.75. */
  readonly opacity?: number;
  /** Value range mapped to t ∈ [0, 1]; default the map's own. */
  readonly range?: { readonly min: number; readonly max: number };
  /** True: low values are hot (occlusion: a low probability means the covered part mattered). */
  readonly lowIsHot?: boolean;
}

/** The map alone in colour (no image under it): (H, W) → RGB (H·S, W·S). */
export function heatMapPicture(map: { height: number; width: number; values: ArrayLike<number> }, options: HeatMapOptions = {}): PixelImage {
  return blend(null, map, { ...options, opacity: 1 });
}

/** The map blended over `image` (see the module comment). */
export function heatMapOverlay(
  image: PlanarImage, map: { height: number; width: number; values: ArrayLike<number> }, options: HeatMapOptions = {},
): PixelImage {
  if (image.height !== map.height || image.width !== map.width) {
    throw new ConfigError(`heatMapOverlay: the map is ${map.height}x${map.width} but the image ${image.height}x${image.width}`);
  }
  return blend(image, map, options);
}

function blend(
  image: PlanarImage | null, map: { height: number; width: number; values: ArrayLike<number> }, options: HeatMapOptions,
): PixelImage {
  const scale = options.scale ?? 4;
  const opacity = options.opacity ?? 0.75;
  if (!Number.isInteger(scale) || scale < 1) throw new ConfigError(`heat map: scale must be an integer ≥ 1, got ${scale}`);
  const { height, width } = map;
  const range = options.range ?? valueRange(map.values);
  const span = range.max - range.min;
  const outWidth = width * scale;
  const pixels = new Uint8Array(height * scale * outWidth * 3);
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let t = span > 0 ? (map.values[p] - range.min) / span : 0;
      if (options.lowIsHot) t = 1 - t;
      const colour = heatRgb(t);
      let grey = 0;
      if (image) {
        for (let c = 0; c < image.channels; c++) grey += image.data[c * plane + p];
        grey /= image.channels;
      }
      const weight = image ? opacity * Math.min(1, Math.max(0, t)) : 1;
      const rgb = [0, 1, 2].map((c) => Math.round((1 - weight) * grey + weight * colour[c]));
      for (let sy = 0; sy < scale; sy++) {
        for (let sx = 0; sx < scale; sx++) {
          const o = ((y * scale + sy) * outWidth + x * scale + sx) * 3;
          pixels[o] = rgb[0];
          pixels[o + 1] = rgb[1];
          pixels[o + 2] = rgb[2];
        }
      }
    }
  }
  return { width: outWidth, height: height * scale, channels: 3, pixels };
}
