/**
 * Pad: adds zero rows and columns around each image plane, or — with a negative amount — removes them
 * (a crop). The same signed convention as ONNX `Pad` and PyTorch's `F.pad`.
 *
 * Shapes: x (N, C, H, W) → y (N, C, H′, W′), H′ = top + H + bottom, W′ = left + W + right; every
 * amount is an integer (negative = crop that many rows/columns from that side), and H′, W′ ≥ 1.
 *
 *   y[n, c, i, j] = x[n, c, i − top, j − left]   where that index is inside x, else 0
 *   dx[n, c, i, j] = dy[n, c, i + top, j + left]  where that index is inside y, else 0 (a cropped pixel
 *                                                  never reached the output, so its gradient is 0)
 *
 * Why a layer of its own: convolution and pooling here pad symmetrically and refuse a geometry that
 * does not tile the input. Networks from elsewhere are not always that tidy — ConvNetJS floors the
 * output size, so a strided convolution reads P zero rows on top but fewer (or none, or cuts input
 * rows) at the bottom. That is exactly "pad top P, bottom P − r, then convolve with no padding", which
 * this layer expresses without making the convolution itself any less strict
 * (src/formats/convnetjs-import.ts builds it).
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';

/** Rows/columns added (positive) or removed (negative) on each side of the (H, W) plane. */
export interface PadAmounts {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface PadOptions extends PadAmounts {
  /** Per-example input shape [C, H, W]. */
  inputShape: Shape;
  name?: string;
}

/**
 * The output shape of a pad over (C, H, W), or a ShapeError naming `where` when an amount is not an
 * integer or a crop leaves no pixel: (C, top + H + bottom, left + W + right).
 */
export function padOutputShape(inputShape: Shape, amounts: PadAmounts, where = 'pad'): [number, number, number] {
  if (inputShape.length !== 3) {
    throw new ShapeError(`${where}: padding needs image input (C, H, W), got ${formatShape(inputShape)}`);
  }
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    if (!Number.isInteger(amounts[side])) {
      throw new ConfigError(`${where}: '${side}' must be an integer (negative crops), got ${JSON.stringify(amounts[side])}`);
    }
  }
  const [channels, height, width] = inputShape;
  const outputHeight = amounts.top + height + amounts.bottom;
  const outputWidth = amounts.left + width + amounts.right;
  if (outputHeight < 1 || outputWidth < 1) {
    throw new ShapeError(
      `${where}: padding a ${height}x${width} input by top ${amounts.top}, bottom ${amounts.bottom}, left ${amounts.left}, right ${amounts.right} ` +
        `leaves ${outputHeight}x${outputWidth}; a crop must leave at least one row and one column`,
    );
  }
  return [channels, outputHeight, outputWidth];
}

export class Pad implements Layer {
  readonly type = 'pad';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly amounts: Readonly<PadAmounts>;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor(options: PadOptions) {
    this.name = options.name ?? 'pad';
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    const { top, bottom, left, right } = options;
    this.amounts = Object.freeze({ top, bottom, left, right });
    this.outputShape = Object.freeze(padOutputShape(this.inputShape, this.amounts, this.name));
  }

  parameters(): Parameter[] {
    return [];
  }

  /** x: (N, C, H, W) → y: (N, C, H′, W′), x shifted by (top, left), zeros where x has no pixel. */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    output.data.fill(0);
    this.copyOverlap(batch, input.data, output.data, 'forward');
    return output;
  }

  /** dy: (N, C, H′, W′) → dx: (N, C, H, W), the overlapping window of dy, zeros where cropped. */
  backward(outputGrad: Tensor): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    const inputGrad = (this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape));
    inputGrad.data.fill(0);
    this.copyOverlap(batch, inputGrad.data, outputGrad.data, 'backward');
    return inputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, ...this.amounts };
  }

  /**
   * The rows and columns present in both x and y: input row i ↔ output row i + top. Forward copies
   * x → y over them, backward copies dy → dx (`inputSide` is x or dx, `outputSide` y or dy).
   */
  private copyOverlap(batch: number, inputSide: Float32Array, outputSide: Float32Array, direction: 'forward' | 'backward'): void {
    const [channels, height, width] = this.inputShape;
    const [, outputHeight, outputWidth] = this.outputShape;
    const { top, left } = this.amounts;
    const firstRow = Math.max(0, -top);
    const endRow = Math.min(height, outputHeight - top);
    const firstColumn = Math.max(0, -left);
    const endColumn = Math.min(width, outputWidth - left);
    for (let plane = 0; plane < batch * channels; plane++) {
      for (let i = firstRow; i < endRow; i++) {
        const inputRow = (plane * height + i) * width;
        const outputRow = (plane * outputHeight + i + top) * outputWidth + left;
        for (let j = firstColumn; j < endColumn; j++) {
          if (direction === 'forward') outputSide[outputRow + j] = inputSide[inputRow + j];
          else inputSide[inputRow + j] = outputSide[outputRow + j];
        }
      }
    }
  }
}
