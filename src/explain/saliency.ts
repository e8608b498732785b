/**
 * Image-specific class saliency (Simonyan, Vedaldi & Zisserman 2014, §3): which pixels, changed a
 * little, would change the class score most?
 *
 *   M[y, x] = max_c | ∂ s_k / ∂ x[c, y, x] |          x (C, H, W) → M (H, W)
 *
 * s_k is the score of class k before the softmax (class-scores.ts). The gradient is the linear
 * approximation s_k(x) ≈ wᵀx + b around this image; its size says how much each pixel matters, and the
 * maximum over the colour channels gives one number per pixel.
 */
import type { Net } from '../nn/net.ts';
import { ShapeError, formatShape } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { classScoreGradient } from './class-scores.ts';

/** A value per pixel, row-major (H, W). */
export interface PixelMap {
  readonly height: number;
  readonly width: number;
  readonly values: Float32Array;
}

/** x (1, C, H, W), class k → M (H, W), M[y, x] = max over c of |∂s_k/∂x[c, y, x]|. */
export function saliencyMap(net: Net, image: Tensor, classIndex: number): PixelMap {
  if (image.shape.length !== 4 || image.shape[0] !== 1) {
    throw new ShapeError(`saliencyMap: expected one image (1, C, H, W), got ${formatShape(image.shape)}`);
  }
  const [, channels, height, width] = image.shape;
  const gradient = classScoreGradient(net, image, [classIndex]).data;
  const plane = height * width;
  const values = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let most = 0;
    for (let c = 0; c < channels; c++) most = Math.max(most, Math.abs(gradient[c * plane + p]));
    values[p] = most;
  }
  return { height, width, values };
}
