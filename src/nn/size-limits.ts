/**
 * Size caps, checked against a definition before any layer allocates anything.
 *
 * A typo such as `conv3x3x1000000000`, `fc1000000000000` or a pad of 100000 asks for tensors that no
 * machine can hold; without a check it ends deep inside a layer in a RangeError (or takes the machine's
 * memory first). buildNet asks `checkLayerSizes` before it constructs each layer, and gets a
 * ConfigError that names the layer, the tensor, its shape and how many values and bytes it would
 * need. The caps are generous for this library (CIFAR-10's demo net is 7,402 parameters and 38,400
 * activation values per example) and far below what would fail:
 *
 *   valuesPerTensor        2^26 = 67,108,864 values (256 MiB of float32): any one weight tensor, or
 *                          one example's input or output of a layer
 *   totalParameters        2^27 = 134,217,728 values (512 MiB): all weights and biases together
 *                          (training keeps as many again for gradients and up to twice that for an
 *                          optimizer's state)
 *   activationsPerExample  2^27 values: one example's outputs of all layers together (a batch of N
 *                          keeps N times this for the backward pass)
 */
import { ConfigError, formatShape } from '../errors.ts';
import { convOutputShape, poolOutputShape } from '../layers/conv-shape.ts';
import type { LayerDefinition } from './definition.ts';

export const SIZE_LIMITS = {
  valuesPerTensor: 2 ** 26,
  totalParameters: 2 ** 27,
  activationsPerExample: 2 ** 27,
} as const;

const BYTES_PER_VALUE = 4;

/** Running totals over the layers of one network. */
export interface SizeTotals {
  parameters: number;
  activations: number;
}

function count(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}

function amount(values: number): string {
  const bytes = values * BYTES_PER_VALUE;
  return `${values.toLocaleString('en-US')} values (${bytes.toLocaleString('en-US')} bytes as float32)`;
}

function capText(cap: number): string {
  return `${cap.toLocaleString('en-US')} values (${(cap * BYTES_PER_VALUE) / 2 ** 20} MiB)`;
}

function refuse(where: string, what: string, values: number, cap: number, kind: string): never {
  throw new ConfigError(
    `${where}: ${what} would hold ${amount(values)}; the cap is ${capText(cap)} ${kind} (SIZE_LIMITS in src/nn/size-limits.ts)`,
  );
}

/** Checks a per-example tensor shape (an input or a layer output) against the per-tensor cap. */
export function checkTensorSize(where: string, what: string, shape: readonly number[]): void {
  const values = count(shape);
  if (values > SIZE_LIMITS.valuesPerTensor) refuse(where, `${what} ${formatShape(shape)}`, values, SIZE_LIMITS.valuesPerTensor, 'per tensor');
}

/**
 * The shapes a layer would allocate for per-example input `inputShape`: its learnable tensors and its
 * per-example output. Uses the layers' own shape functions (conv-shape.ts), so a bad geometry is the
 * same ShapeError the layer would throw; undefined output when the layer itself must decide (it
 * then throws its own error on construction).
 */
export function plannedLayerShapes(definition: LayerDefinition, inputShape: readonly number[], name: string):
  { parameters: Array<[string, number[]]>; outputShape: number[] | undefined } {
  const [channels, height, width] = inputShape;
  switch (definition.type) {
    case 'conv': {
      if (inputShape.length !== 3) return { parameters: [], outputShape: undefined };
      const [filterHeight, filterWidth] = definition.size;
      const shape = convOutputShape({
        inputHeight: height, inputWidth: width, filterHeight, filterWidth, strideH: definition.stride[0], strideW: definition.stride[1],
        padH: definition.pad[0], padW: definition.pad[1], dilationH: definition.dilation, dilationW: definition.dilation,
      }, name);
      return {
        parameters: [['weights', [definition.filters, channels, filterHeight, filterWidth]], ['bias', [definition.filters]]],
        outputShape: [definition.filters, shape.outputHeight, shape.outputWidth],
      };
    }
    case 'pool': {
      if (inputShape.length !== 3) return { parameters: [], outputShape: undefined };
      const shape = poolOutputShape({
        inputHeight: height, inputWidth: width, filterHeight: definition.size[0], filterWidth: definition.size[1],
        strideH: definition.stride[0], strideW: definition.stride[1],
      }, name);
      return { parameters: [], outputShape: [channels, shape.outputHeight, shape.outputWidth] };
    }
    case 'fc':
      return { parameters: [['weights', [definition.units, count(inputShape)]], ['bias', [definition.units]]], outputShape: [definition.units] };
    case 'maxout':
      return { parameters: [], outputShape: channels % definition.pieces === 0 ? [channels / definition.pieces, ...inputShape.slice(1)] : undefined };
    case 'pad': {
      const [top, bottom, left, right] = [definition.top, definition.bottom, definition.left, definition.right];
      const fits = inputShape.length === 3 && height + top + bottom >= 1 && width + left + right >= 1;
      return { parameters: [], outputShape: fits ? [channels, height + top + bottom, width + left + right] : undefined };
    }
    case 'batchnorm':
      return { parameters: [['gamma', [channels]], ['beta', [channels]]], outputShape: [...inputShape] };
    default:
      return { parameters: [], outputShape: [...inputShape] };
  }
}

/**
 * Refuses a layer whose tensors exceed the caps, before it is constructed; adds its sizes to `totals`.
 * `where` names the layer in the message, e.g. "conv1 (layer 2, conv)".
 */
export function checkLayerSizes(definition: LayerDefinition, inputShape: readonly number[], name: string, where: string, totals: SizeTotals): void {
  const planned = plannedLayerShapes(definition, inputShape, name);
  for (const [tensor, shape] of planned.parameters) checkTensorSize(where, tensor, shape);
  if (planned.outputShape) checkTensorSize(where, 'output', planned.outputShape);
  totals.parameters += planned.parameters.reduce((sum, [, shape]) => sum + count(shape), 0);
  if (totals.parameters > SIZE_LIMITS.totalParameters) {
    refuse(where, 'the parameters of the network up to this layer', totals.parameters, SIZE_LIMITS.totalParameters, 'in all');
  }
  totals.activations += planned.outputShape ? count(planned.outputShape) : 0;
  if (totals.activations > SIZE_LIMITS.activationsPerExample) {
    refuse(where, "one example's outputs of the layers up to this one", totals.activations, SIZE_LIMITS.activationsPerExample, 'per example');
  }
}
