/**
 * Receptive fields: which input pixels can influence one unit of a layer, from the layer geometry.
 *
 * Per spatial axis, a map is described by three numbers, composed layer by layer from the input
 * (size 1, jump 1, start 0 — each pixel sees itself):
 *   size  r   how many input pixels one unit sees
 *   jump  j   how far apart (in input pixels) two neighbouring units' fields start
 *   start s   where unit 0's field starts (negative when padding reaches past the border)
 * A window of effective extent E = D·(F − 1) + 1, stride S, padding P (conv; pooling has P = 0, D = 1):
 *   r′ = r + (E − 1)·j        s′ = s − P·j        j′ = j·S
 * Layers that act on each position alone (activations, batch norm, dropout, maxout) keep all three.
 * Example: conv5p2 → pool2 → conv5p2 gives r = 5, then 5 + 1·1 = 6, then 6 + 4·2 = 14 (14×14).
 *
 * Unit (y, x) sees input rows s + y·j … s + y·j + r − 1 (and columns likewise); where that reaches past
 * the image (padding), the field is clipped to the image and flagged `clipped`.
 */
import type { Net } from '../nn/net.ts';
import type { Layer } from '../layers/layer.ts';
import type { ConvShape, PoolShape } from '../layers/conv-shape.ts';

/** One axis pair of the composition above; [height, width] each. */
export interface ReceptiveField {
  readonly size: readonly [number, number];
  readonly jump: readonly [number, number];
  readonly start: readonly [number, number];
}

/** The input rectangle one unit sees, clipped to the image. */
export interface FieldBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
  /** True when the unclipped field reached past the image (it was cut to fit). */
  readonly clipped: boolean;
}

/** Layer types that map each spatial position on its own (the field passes through unchanged). */
const POINTWISE = new Set(['relu', 'sigmoid', 'tanh', 'leaky-relu', 'elu', 'dropout', 'batchnorm', 'maxout']);

/** One window step of the composition: extent E, stride S, pad P per axis. */
export function composeWindow(
  field: ReceptiveField, extent: readonly [number, number], stride: readonly [number, number], pad: readonly [number, number],
): ReceptiveField {
  return {
    size: [field.size[0] + (extent[0] - 1) * field.jump[0], field.size[1] + (extent[1] - 1) * field.jump[1]],
    start: [field.start[0] - pad[0] * field.jump[0], field.start[1] - pad[1] * field.jump[1]],
    jump: [field.jump[0] * stride[0], field.jump[1] * stride[1]],
  };
}

/** The field after `layer`, or null when its output has no spatial layout (fc and the loss layers). */
export function layerField(layer: Layer, field: ReceptiveField): ReceptiveField | null {
  if (layer.type === 'conv') {
    const g = (layer as unknown as { convShape: ConvShape }).convShape;
    return composeWindow(field, [g.effectiveFilterHeight, g.effectiveFilterWidth], [g.strideH, g.strideW], [g.padH, g.padW]);
  }
  if (layer.type === 'pool') {
    const g = (layer as unknown as { poolShape: PoolShape }).poolShape;
    return composeWindow(field, [g.filterHeight, g.filterWidth], [g.strideH, g.strideW], [0, 0]);
  }
  if (POINTWISE.has(layer.type) && layer.outputShape.length === 3) return field;
  return null;
}

/** fields[i]: the receptive field of layer i's output units, or null once the layout is gone. */
export function receptiveFields(net: Net): (ReceptiveField | null)[] {
  let field: ReceptiveField | null = net.inputShape.length === 3 ? { size: [1, 1], jump: [1, 1], start: [0, 0] } : null;
  return net.layers.map((layer) => (field = field === null ? null : layerField(layer, field)));
}

/** Unit (y, x)'s field in an H×W input, clipped to the image. */
export function unitFieldBox(field: ReceptiveField, y: number, x: number, height: number, width: number): FieldBox {
  const top = field.start[0] + y * field.jump[0];
  const left = field.start[1] + x * field.jump[1];
  const bottom = top + field.size[0];
  const right = left + field.size[1];
  const clippedTop = Math.max(0, top);
  const clippedLeft = Math.max(0, left);
  const clippedBottom = Math.min(height, bottom);
  const clippedRight = Math.min(width, right);
  return {
    top: clippedTop, left: clippedLeft,
    height: clippedBottom - clippedTop, width: clippedRight - clippedLeft,
    clipped: clippedTop !== top || clippedLeft !== left || clippedBottom !== bottom || clippedRight !== right,
  };
}
