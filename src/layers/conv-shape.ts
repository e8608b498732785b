/**
 * Shape arithmetic of convolution and pooling, in pure functions (one per op), shared by the layers,
 * the network builder and the summary. Nothing here touches data.
 *
 * Convolution, per spatial axis (the same formula for height and for width):
 *   effective filter extent  E  = D·(F − 1) + 1        (a dilated filter skips D − 1 pixels between taps)
 *   output size              H′ = (H − E + 2P) / S + 1 = (H − D·(F−1) − 1 + 2P) / S + 1
 * Pooling (no padding, no dilation):
 *   output size              H′ = (H − F) / S + 1
 *
 * Policy: H′ must be a positive integer. When it is not, some input rows would be silently dropped
 * (or read past the edge), which is how ConvNetJS and others hide geometry bugs with Math.floor.
 * We throw a ShapeError that shows the arithmetic and proposes a padding or stride that works:
 *   "conv1: cannot apply a 3x3 filter to a 7x7 input with stride 3: (7-3+0)/3+1 = 2.33;
 *    use padding 1 or stride 2 (...)"
 */
import { ConfigError, ShapeError } from '../errors.ts';
import type { ConvGeometry, WindowGeometry } from '../kernels/conv-geometry.ts';

/**
 * Every derived size of a convolution over one (H, W) plane: the spatial part of the kernels'
 * ConvGeometry (kernels/conv-geometry.ts — one type for conv and pooling), plus the effective extent.
 */
export type ConvShape = Omit<ConvGeometry, 'batchSize' | 'inputChannels' | 'filters'> & {
  /** D·(FH − 1) + 1 and D·(FW − 1) + 1: the input extent one filter application covers. */
  readonly effectiveFilterHeight: number;
  readonly effectiveFilterWidth: number;
};

/** Hyper-parameters of a 2-D convolution over one (H, W) plane: what convOutputShape derives from. */
export type ConvShapeInput = Omit<ConvShape, 'effectiveFilterHeight' | 'effectiveFilterWidth' | 'outputHeight' | 'outputWidth'>;

/** Every size of a pooling window over one plane: exactly the kernels' WindowGeometry. */
export type PoolShape = WindowGeometry;

/** Hyper-parameters of a 2-D pooling window over one (H, W) plane. */
export type PoolShapeInput = Omit<WindowGeometry, 'outputHeight' | 'outputWidth'>;

/** One axis of the arithmetic, for the error message. */
interface Axis {
  readonly input: number;
  /** Effective extent E (= F for pooling and undilated convolution). */
  readonly extent: number;
  readonly pad: number;
  readonly stride: number;
}

/**
 * Output sizes of a convolution, or a ShapeError naming `where` (the layer) with the arithmetic.
 * Shapes: input (N, C, H, W), filters (K, C, FH, FW) → output (N, K, H′, W′).
 */
export function convOutputShape(params: ConvShapeInput, where = 'conv'): ConvShape {
  checkIntegers(params, where, {
    inputHeight: 1, inputWidth: 1, filterHeight: 1, filterWidth: 1, strideH: 1, strideW: 1,
    padH: 0, padW: 0, dilationH: 1, dilationW: 1,
  });
  const effectiveFilterHeight = params.dilationH * (params.filterHeight - 1) + 1;
  const effectiveFilterWidth = params.dilationW * (params.filterWidth - 1) + 1;
  const height: Axis = { input: params.inputHeight, extent: effectiveFilterHeight, pad: params.padH, stride: params.strideH };
  const width: Axis = { input: params.inputWidth, extent: effectiveFilterWidth, pad: params.padW, stride: params.strideW };
  if (!fits(height) || !fits(width)) {
    const dilation = params.dilationH === 1 && params.dilationW === 1
      ? ''
      : ` with dilation ${pairText(params.dilationH, params.dilationW)} (extent ${effectiveFilterHeight}x${effectiveFilterWidth})`;
    const padding = params.padH === 0 && params.padW === 0 ? '' : ` and padding ${pairText(params.padH, params.padW)}`;
    throw new ShapeError(
      `${where}: cannot apply a ${params.filterHeight}x${params.filterWidth} filter${dilation} to a ` +
        `${params.inputHeight}x${params.inputWidth} input with stride ${pairText(params.strideH, params.strideW)}${padding}: ` +
        explainAxes(height, width, true) +
        ' (the output size (H - D·(F-1) - 1 + 2P)/S + 1 must be a whole number ≥ 1)',
    );
  }
  return {
    ...pick(params),
    effectiveFilterHeight,
    effectiveFilterWidth,
    outputHeight: outputSize(height),
    outputWidth: outputSize(width),
  };
}

/**
 * Output sizes of a pooling window, or a ShapeError naming `where` with the arithmetic.
 * Shapes: input (N, C, H, W) → output (N, C, H′, W′), H′ = (H − F)/S + 1.
 */
export function poolOutputShape(params: PoolShapeInput, where = 'pool'): PoolShape {
  checkIntegers(params, where, { inputHeight: 1, inputWidth: 1, filterHeight: 1, filterWidth: 1, strideH: 1, strideW: 1 });
  const height: Axis = { input: params.inputHeight, extent: params.filterHeight, pad: 0, stride: params.strideH };
  const width: Axis = { input: params.inputWidth, extent: params.filterWidth, pad: 0, stride: params.strideW };
  if (!fits(height) || !fits(width)) {
    throw new ShapeError(
      `${where}: cannot apply a ${params.filterHeight}x${params.filterWidth} window to a ` +
        `${params.inputHeight}x${params.inputWidth} input with stride ${pairText(params.strideH, params.strideW)}: ` +
        explainAxes(height, width, false) +
        ' (the output size (H - F)/S + 1 must be a whole number ≥ 1)',
    );
  }
  return {
    inputHeight: params.inputHeight, inputWidth: params.inputWidth,
    filterHeight: params.filterHeight, filterWidth: params.filterWidth,
    strideH: params.strideH, strideW: params.strideW,
    outputHeight: outputSize(height), outputWidth: outputSize(width),
  };
}

/**
 * Learnable parameters of a convolution: K filters of C·FH·FW weights, plus K biases.
 * Example (CS231n): ten 5×5 filters on a 32×32×3 input → 10·(5·5·3 + 1) = 760.
 */
export function convParameterCount(params: {
  readonly inputChannels: number; readonly filters: number; readonly filterHeight: number; readonly filterWidth: number;
}): number {
  return params.filters * (params.inputChannels * params.filterHeight * params.filterWidth + 1);
}

/**
 * Reads an option given as one number or a [height, width] pair (size, stride, pad, dilation),
 * checking that both are integers ≥ `min`. Throws a ConfigError naming the layer and the option.
 */
export function expandPair(value: number | readonly number[], option: string, where: string, min: number): [number, number] {
  const values = typeof value === 'number' ? [value, value] : [...value];
  if (values.length !== 2 || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new ConfigError(
      `${where}: '${option}' must be an integer ≥ ${min} or a pair [height, width] of them, got ${JSON.stringify(value)}`,
    );
  }
  return values as [number, number];
}

// ---------------------------------------------------------------------------------------------

function numerator(axis: Axis): number {
  return axis.input - axis.extent + 2 * axis.pad;
}

function fits(axis: Axis): boolean {
  const top = numerator(axis);
  return top >= 0 && top % axis.stride === 0;
}

function outputSize(axis: Axis): number {
  return numerator(axis) / axis.stride + 1;
}

/** "(7-3+0)/3+1 = 2.33" for a convolution, "(8-3)/2+1 = 3.5" for pooling. */
function arithmetic(axis: Axis, withPadding: boolean): string {
  const value = Math.round((numerator(axis) / axis.stride + 1) * 100) / 100;
  const top = withPadding ? `${axis.input}-${axis.extent}+${2 * axis.pad}` : `${axis.input}-${axis.extent}`;
  return `(${top})/${axis.stride}+1 = ${value}`;
}

/**
 * Fixes for one axis: the smallest larger padding (convolution only), the largest smaller stride
 * and, for pooling, the nearest window size that make the output size a positive integer.
 */
function fixes(axis: Axis, isConv: boolean): string[] {
  const found: string[] = [];
  if (isConv) {
    for (let pad = axis.pad + 1; pad <= axis.pad + axis.extent + axis.stride; pad++) {
      if (fits({ ...axis, pad })) {
        found.push(`padding ${pad}`);
        break;
      }
    }
  }
  for (let stride = axis.stride - 1; stride >= 1; stride--) {
    if (fits({ ...axis, stride })) {
      found.push(`stride ${stride}`);
      break;
    }
  }
  if (!isConv) {
    for (let delta = 1; delta < Math.max(axis.extent, axis.input); delta++) {
      const smaller = axis.extent - delta;
      const larger = axis.extent + delta;
      if (smaller >= 1 && fits({ ...axis, extent: smaller })) {
        found.push(`a window of ${smaller}`);
        break;
      }
      if (larger <= axis.input && fits({ ...axis, extent: larger })) {
        found.push(`a window of ${larger}`);
        break;
      }
    }
  }
  return found;
}

/** The failing axes' arithmetic and fixes; one unlabelled clause when both axes are identical. */
function explainAxes(height: Axis, width: Axis, isConv: boolean): string {
  const clause = (axis: Axis, label: string): string => {
    const options = fixes(axis, isConv);
    const advice = options.length > 0 ? `; use ${options.join(' or ')}${label ? ` along the ${label}` : ''}` : '';
    return `${label ? `${label} ` : ''}${arithmetic(axis, isConv)}${advice}`;
  };
  const same = height.input === width.input && height.extent === width.extent &&
    height.pad === width.pad && height.stride === width.stride;
  if (same) return clause(height, '');
  const clauses: string[] = [];
  if (!fits(height)) clauses.push(clause(height, 'height'));
  if (!fits(width)) clauses.push(clause(width, 'width'));
  return clauses.join('; ');
}

function pairText(h: number, w: number): string {
  return h === w ? `${h}` : `${h}x${w}`;
}

function pick(params: ConvShapeInput): ConvShapeInput {
  const { inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, padH, padW, dilationH, dilationW } = params;
  return { inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, padH, padW, dilationH, dilationW };
}

/** Each named field must be an integer ≥ its minimum (ConfigError otherwise). */
function checkIntegers(params: object, where: string, minimums: Record<string, number>): void {
  const values = params as Record<string, unknown>;
  for (const [key, min] of Object.entries(minimums)) {
    const value = values[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new ConfigError(`${where}: ${key} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    }
  }
}

/** Options shared by MaxPool2d and AvgPool2d. */
export interface PoolOptions {
  /** Per-example input shape [C, H, W]. */
  inputShape: readonly number[];
  /** F or [FH, FW]: the window. */
  size: number | readonly [number, number];
  /** S or [SH, SW]; default = size (non-overlapping windows). */
  stride?: number | readonly [number, number];
  name?: string;
}

/** Checks pooling options (ConfigError/ShapeError naming `where`) and returns C and the plane shape. */
export function resolvePoolOptions(options: PoolOptions, where: string): { channels: number; shape: PoolShape } {
  const inputShape = options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(`${where}: 'inputShape' must be [C, H, W] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const [filterHeight, filterWidth] = expandPair(options.size, 'size', where, 1);
  const [strideH, strideW] = expandPair(options.stride ?? [filterHeight, filterWidth], 'stride', where, 1);
  const shape = poolOutputShape(
    { inputHeight: inputShape[1], inputWidth: inputShape[2], filterHeight, filterWidth, strideH, strideW }, where,
  );
  return { channels: inputShape[0], shape };
}
