/**
 * ConvNetJS → convnet-ts: turns the JSON that ConvNetJS's `net.toJSON()` writes into a model file
 * (src/nn/model-file.ts) whose network computes ConvNetJS's own test-time scores.
 *
 * What ConvNetJS writes (read from karpathy/convnetjs src/convnet_*.js):
 *   { layers: [ {layer_type: 'input', out_sx, out_sy, out_depth},
 *               {layer_type: 'conv', sx, sy, stride, pad, in_depth, out_depth, out_sx, out_sy,
 *                filters: [Vol × out_depth], biases: Vol, l1_decay_mul, l2_decay_mul},
 *               {layer_type: 'pool', sx, sy, stride, pad, in_depth, out_depth, out_sx, out_sy},
 *               {layer_type: 'fc', num_inputs, out_depth, filters: [Vol(1, 1, num_inputs) × out_depth], biases},
 *               {layer_type: 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'svm' | 'regression', ...},
 *               {layer_type: 'maxout', group_size}, {layer_type: 'dropout', drop_prob}, ... ] }
 *   Vol = {sx, sy, depth, w}: a volume of width sx, height sy, depth channels, element (x, y, d) at
 *   w[((sx·y) + x)·depth + d] — [y][x][depth] order. `w` is a Float64Array in ConvNetJS, which
 *   JSON.stringify writes as an object {"0": …, "1": …}; a plain array is read too.
 *
 * How each layer maps (library tensors are NCHW, src/tensor/tensor.ts):
 *   input    (sx, sy, depth) → input (C, H, W) = (depth, sy, sx); (D) when 1×1 and no conv/pool follows
 *   conv     filters[k].w[((sx·fy)+fx)·C + c] → weights[k, c, fy, fx]; biases.w[k] → bias[k]
 *   fc       filters[k].w[(y·W + x)·C + c]    → weights[k, c·H·W + y·W + x]: ConvNetJS flattens a
 *            volume in (y, x, d) order, this library in (c, y, x) order, so the columns are permuted
 *   pool     max pooling, F = (sy, sx), stride S in both directions
 *   relu, sigmoid, tanh, softmax, svm → the same layer; maxout → maxout (both take groups of
 *            group_size CONSECUTIVE channels at each pixel; ConvNetJS drops leftover channels when
 *            the depth is not a multiple — refused here, naming the layer)
 *
 * Where ConvNetJS's arithmetic differs, and how the import reproduces it:
 *   - Floored output sizes. ConvNetJS computes H′ = ⌊(H + 2P − F)/S⌋ + 1 and silently leaves out the
 *     last r = (H + 2P − F) mod S rows of (padded) input; this library refuses such geometry. Window
 *     j reads input rows −P + j·S … −P + j·S + F − 1, so ConvNetJS reads P zero rows on top but only
 *     P − r at the bottom (P − r < 0: the last r − P input rows are never read). The import writes
 *     exactly that as a `pad` layer (layers/pad.ts: top P, bottom P − r, left P, right P − r′,
 *     negative = crop) followed by the conv with no padding; a pool (P = 0) gets a crop of r rows
 *     and r′ columns. Tiling geometry is imported as is, with the conv's own padding.
 *   - Dropout at test time. ConvNetJS's forward multiplies by drop_prob at test time (it drops with
 *     probability drop_prob in training and does not rescale; 1 − drop_prob would have been the
 *     expected-value factor). This library's dropout is the identity at inference, so the factor is
 *     folded into the weights (not the biases) of the next fc or conv layer: relu, max pooling,
 *     maxout, padding and dropout between them commute with a positive factor (each is positively
 *     homogeneous), so the scores are unchanged. The dropout layer is kept with rate drop_prob for
 *     fine-tuning (inverted dropout, whose inference needs no factor). A dropout followed by tanh,
 *     sigmoid or the output before any fc/conv is refused.
 *   - Pooling with padding: ConvNetJS skips outside pixels and starts its max at −99999, which no
 *     zero padding reproduces; refused, naming the layer.
 *   - regression: an L2 regression output, which this library does not have (its outputs are softmax
 *     and svm classifiers); refused, naming the layer.
 * ConvNetJS computes in float64, this library in float32: scores agree to about 1e-6.
 *
 * Every refusal is a DataError naming the file and the layer as `layers[i] (type)`. Portable: no
 * node:* imports; reading the file is the command's job.
 */
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { buildNet } from '../nn/build-net.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import type { ModelFile } from '../nn/model-file.ts';
import { netToModelFile, validateModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import { Rng } from '../tensor/rng.ts';

/** The layer types ConvNetJS writes that this import reads. */
export const CONVNETJS_LAYER_TYPES = ['input', 'conv', 'pool', 'fc', 'relu', 'sigmoid', 'tanh', 'maxout', 'dropout', 'softmax', 'svm'] as const;

type Raw = Record<string, unknown>;

/** A ConvNetJS volume's size: width sx, height sy, depth channels. */
interface VolumeSize {
  sx: number;
  sy: number;
  depth: number;
}

/** Weights for one library layer, in the library's layout, to be copied in after buildNet. */
interface PendingWeights {
  definitionIndex: number;
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * Converts ConvNetJS `net.toJSON()` output (already parsed) into a model file. `file` names the
 * source in errors. Throws a DataError for anything it cannot reproduce exactly.
 */
export function importConvnetjs(json: unknown, file: string): ModelFile {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !Array.isArray((json as Raw).layers) || ((json as Raw).layers as unknown[]).length === 0) {
    throw new DataError(`${file}: not a ConvNetJS network (expected the object net.toJSON() writes, {layers: [{layer_type: 'input', ...}, ...]})`);
  }
  const layers = (json as { layers: unknown[] }).layers;
  const raws = layers.map((layer, index) => {
    if (layer === null || typeof layer !== 'object' || Array.isArray(layer) || typeof (layer as Raw).layer_type !== 'string') {
      throw new DataError(`${file}: layers[${index}] must be an object with a 'layer_type', got ${JSON.stringify(layer)?.slice(0, 60)}`);
    }
    return layer as Raw;
  });
  const where = (index: number) => `${file}: layers[${index}] (${String(raws[index].layer_type)})`;
  raws.forEach((raw, index) => {
    const type = raw.layer_type as string;
    if (type === 'regression') {
      throw new DataError(`${where(index)}: ConvNetJS's L2 regression output has no equivalent here (this library's output layers are the softmax and svm classifiers)`);
    }
    if (!(CONVNETJS_LAYER_TYPES as readonly string[]).includes(type)) {
      throw new DataError(`${where(index)}: unknown ConvNetJS layer type '${type}'; this import reads ${CONVNETJS_LAYER_TYPES.join(', ')}`);
    }
    if ((type === 'input') !== (index === 0)) {
      throw new DataError(`${where(index)}: a ConvNetJS net starts with exactly one 'input' layer, as its first`);
    }
  });

  const convolutional = raws.some((raw) => raw.layer_type === 'conv' || raw.layer_type === 'pool');
  let size: VolumeSize = {
    sx: positiveInt(raws[0], 'out_sx', where(0)), sy: positiveInt(raws[0], 'out_sy', where(0)), depth: positiveInt(raws[0], 'out_depth', where(0)),
  };
  /** Whether the library's tensor at this point is a vector (D) rather than an image (C, H, W). */
  let isVector = size.sx === 1 && size.sy === 1 && !convolutional;
  const inputShape = isVector ? [size.depth] : [size.depth, size.sy, size.sx];
  const definition: LayerDefinition[] = [{ type: 'input', shape: inputShape }];
  const pending: PendingWeights[] = [];
  /** The product of the ConvNetJS test-time dropout factors not yet folded into a weight layer. */
  let dropoutScale = 1;
  let unfoldedDropout = -1;

  for (let index = 1; index < raws.length; index++) {
    const raw = raws[index];
    const at = where(index);
    const type = raw.layer_type as (typeof CONVNETJS_LAYER_TYPES)[number];
    switch (type) {
      case 'conv': {
        if (isVector) throw new DataError(`${at}: a convolution after an fc layer (a 1×1×D volume) is not supported`);
        const filterWidth = positiveInt(raw, 'sx', at);
        const filterHeight = raw.sy === undefined ? filterWidth : positiveInt(raw, 'sy', at);
        const stride = raw.stride === undefined ? 1 : positiveInt(raw, 'stride', at);
        const pad = raw.pad === undefined ? 0 : nonNegativeInt(raw, 'pad', at);
        const filters = positiveInt(raw, 'out_depth', at);
        if (raw.in_depth !== undefined && raw.in_depth !== size.depth) {
          throw new DataError(`${at}: in_depth is ${JSON.stringify(raw.in_depth)} but the layer before gives depth ${size.depth}`);
        }
        const height = flooredAxis(size.sy, filterHeight, stride, pad, at, 'height');
        const width = flooredAxis(size.sx, filterWidth, stride, pad, at, 'width');
        const next: VolumeSize = { sx: width.output, sy: height.output, depth: filters };
        checkStoredSize(raw, next, at);
        const channels = size.depth;
        const filterVolumes = volumeList(raw.filters, filters, { sx: filterWidth, sy: filterHeight, depth: channels }, `${at} filters`);
        const weights = new Float32Array(filters * channels * filterHeight * filterWidth);
        filterVolumes.forEach((w, k) => {
          for (let c = 0; c < channels; c++) {
            for (let fy = 0; fy < filterHeight; fy++) {
              for (let fx = 0; fx < filterWidth; fx++) {
                weights[((k * channels + c) * filterHeight + fy) * filterWidth + fx] = dropoutScale * w[(filterWidth * fy + fx) * channels + c];
              }
            }
          }
        });
        const bias = Float32Array.from(volume(raw.biases, { sx: 1, sy: 1, depth: filters }, `${at} biases`));
        if (height.remainder === 0 && width.remainder === 0) {
          definition.push({ type: 'conv', filters, size: [filterHeight, filterWidth], stride: [stride, stride], pad: [pad, pad], dilation: 1 });
        } else {
          definition.push({ type: 'pad', top: pad, bottom: pad - height.remainder, left: pad, right: pad - width.remainder });
          definition.push({ type: 'conv', filters, size: [filterHeight, filterWidth], stride: [stride, stride], pad: [0, 0], dilation: 1 });
        }
        pending.push({ definitionIndex: definition.length - 1, weights, bias });
        dropoutScale = 1;
        size = next;
        break;
      }
      case 'pool': {
        if (isVector) throw new DataError(`${at}: pooling after an fc layer (a 1×1×D volume) is not supported`);
        const windowWidth = positiveInt(raw, 'sx', at);
        const windowHeight = raw.sy === undefined ? windowWidth : positiveInt(raw, 'sy', at);
        const stride = raw.stride === undefined ? 2 : positiveInt(raw, 'stride', at);
        const pad = raw.pad === undefined ? 0 : nonNegativeInt(raw, 'pad', at);
        if (pad > 0) {
          throw new DataError(`${at}: pooling with pad ${pad} is not supported (ConvNetJS skips the outside pixels and starts each max at −99999, which zero padding does not reproduce)`);
        }
        const height = flooredAxis(size.sy, windowHeight, stride, 0, at, 'height');
        const width = flooredAxis(size.sx, windowWidth, stride, 0, at, 'width');
        const next: VolumeSize = { sx: width.output, sy: height.output, depth: size.depth };
        checkStoredSize(raw, next, at);
        if (height.remainder > 0 || width.remainder > 0) {
          definition.push({ type: 'pad', top: 0, bottom: -height.remainder, left: 0, right: -width.remainder });
        }
        definition.push({ type: 'pool', mode: 'max', size: [windowHeight, windowWidth], stride: [stride, stride] });
        size = next;
        break;
      }
      case 'fc': {
        const inputs = size.sx * size.sy * size.depth;
        if (raw.num_inputs !== undefined && raw.num_inputs !== inputs) {
          throw new DataError(`${at}: num_inputs is ${JSON.stringify(raw.num_inputs)} but the layer before gives ${size.sx}×${size.sy}×${size.depth} = ${inputs} values`);
        }
        const units = positiveInt(raw, 'out_depth', at);
        const next: VolumeSize = { sx: 1, sy: 1, depth: units };
        checkStoredSize(raw, next, at);
        const rows = volumeList(raw.filters, units, { sx: 1, sy: 1, depth: inputs }, `${at} filters`);
        const { sx: width, sy: height, depth: channels } = size;
        const weights = new Float32Array(units * inputs);
        rows.forEach((w, k) => {
          for (let c = 0; c < channels; c++) {
            for (let y = 0; y < height; y++) {
              for (let x = 0; x < width; x++) {
                weights[k * inputs + (c * height + y) * width + x] = dropoutScale * w[(y * width + x) * channels + c];
              }
            }
          }
        });
        const bias = Float32Array.from(volume(raw.biases, { sx: 1, sy: 1, depth: units }, `${at} biases`));
        definition.push({ type: 'fc', units });
        pending.push({ definitionIndex: definition.length - 1, weights, bias });
        dropoutScale = 1;
        size = next;
        isVector = true;
        break;
      }
      case 'relu':
        checkStoredSize(raw, size, at);
        definition.push({ type: 'relu' });
        break;
      case 'sigmoid': case 'tanh':
        refuseUnfoldedDropout(dropoutScale, unfoldedDropout, at);
        checkStoredSize(raw, size, at);
        definition.push({ type });
        break;
      case 'maxout': {
        const pieces = raw.group_size === undefined ? 2 : positiveInt(raw, 'group_size', at);
        if (size.depth % pieces !== 0) {
          throw new DataError(`${at}: group_size ${pieces} does not divide the depth ${size.depth}; ConvNetJS would drop the last ${size.depth % pieces} channel(s), which is not supported`);
        }
        const next = { ...size, depth: size.depth / pieces };
        checkStoredSize(raw, next, at);
        definition.push({ type: 'maxout', pieces });
        size = next;
        break;
      }
      case 'dropout': {
        const rate = raw.drop_prob === undefined ? 0.5 : raw.drop_prob;
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
          throw new DataError(`${at}: drop_prob must be a number in [0, 1), got ${JSON.stringify(raw.drop_prob)}`);
        }
        checkStoredSize(raw, size, at);
        definition.push({ type: 'dropout', rate });
        dropoutScale *= rate;
        unfoldedDropout = index;
        break;
      }
      case 'softmax': case 'svm': {
        refuseUnfoldedDropout(dropoutScale, unfoldedDropout, at);
        const inputs = size.sx * size.sy * size.depth;
        if (raw.num_inputs !== undefined && raw.num_inputs !== inputs) {
          throw new DataError(`${at}: num_inputs is ${JSON.stringify(raw.num_inputs)} but the layer before gives ${inputs} values`);
        }
        if (!isVector) throw new DataError(`${at}: the ${type} output must follow an fc layer (it gets a ${size.sx}×${size.sy}×${size.depth} volume)`);
        if (index !== raws.length - 1) throw new DataError(`${at}: the ${type} output must be the last layer (it is followed by ${raws.length - 1 - index} more)`);
        definition.push({ type });
        break;
      }
      case 'input':
        break; // refused above anywhere but first
    }
  }

  let net: Net;
  try {
    net = buildNet(definition, new Rng(0)); // every weight is overwritten below
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof ShapeError)) throw error;
    throw new DataError(`${file}: the converted network does not build: ${error.message}`);
  }
  const last = net.layers.at(-1);
  if (!last || (last.type !== 'softmax' && last.type !== 'svm')) {
    throw new DataError(`${file}: the ConvNetJS net ends in '${String(raws.at(-1)!.layer_type)}'; it must end in a softmax or svm output`);
  }
  for (const { definitionIndex, weights, bias } of pending) {
    const [weightParameter, biasParameter] = net.layers[definitionIndex - 1].parameters(); // layers exclude the input
    weightParameter.value.data.set(weights);
    biasParameter.value.data.set(bias);
  }
  // Through the model-file check, so what we hand back is exactly what loading it would accept.
  return validateModelFile(JSON.parse(JSON.stringify(netToModelFile(net, definition))), file);
}

// ---------------------------------------------------------------------------------------------

/** ConvNetJS's ⌊(in + 2P − F)/S⌋ + 1 along one axis, and the r rows of (padded) input it leaves out. */
function flooredAxis(input: number, filter: number, stride: number, pad: number, at: string, axis: string): { output: number; remainder: number } {
  const span = input + 2 * pad - filter;
  if (span < 0) {
    throw new DataError(`${at}: a window of ${filter} does not fit the ${axis} ${input} with pad ${pad}`);
  }
  return { output: Math.floor(span / stride) + 1, remainder: span % stride };
}

function refuseUnfoldedDropout(scale: number, dropoutIndex: number, at: string): void {
  if (scale !== 1) {
    throw new DataError(
      `${at}: follows the dropout layers[${dropoutIndex}] with no fc or conv between; ConvNetJS scales by drop_prob at test time, ` +
        'which can only be folded into the weights of a following fc or conv layer',
    );
  }
}

/** out_sx, out_sy and out_depth, when the file has them, must equal what the geometry gives. */
function checkStoredSize(raw: Raw, size: VolumeSize, at: string): void {
  const stored = [raw.out_sx, raw.out_sy, raw.out_depth];
  const computed = [size.sx, size.sy, size.depth];
  if (stored.some((value, i) => value !== undefined && value !== computed[i])) {
    throw new DataError(
      `${at}: the file says the output is ${stored.map((v) => JSON.stringify(v)).join('×')} (out_sx×out_sy×out_depth) ` +
        `but the layers give ${computed.join('×')}`,
    );
  }
}

function positiveInt(raw: Raw, key: string, at: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new DataError(`${at}: '${key}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonNegativeInt(raw: Raw, key: string, at: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new DataError(`${at}: '${key}' must be an integer ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The values of a ConvNetJS Vol {sx, sy, depth, w} of the expected size, as float64 in ConvNetJS's
 * [y][x][depth] order; `w` an array or the {"0": …} object JSON.stringify makes of a Float64Array.
 */
function volume(raw: unknown, expected: VolumeSize, at: string): Float64Array {
  const vol = raw as Raw | null;
  if (vol === null || typeof vol !== 'object' || Array.isArray(vol)) {
    throw new DataError(`${at}: expected a Vol {sx, sy, depth, w}, got ${JSON.stringify(raw)?.slice(0, 60)}`);
  }
  if (vol.sx !== expected.sx || vol.sy !== expected.sy || vol.depth !== expected.depth) {
    throw new DataError(
      `${at}: expected a ${expected.sx}×${expected.sy}×${expected.depth} Vol (sx×sy×depth), got ` +
        `${JSON.stringify(vol.sx)}×${JSON.stringify(vol.sy)}×${JSON.stringify(vol.depth)}`,
    );
  }
  const count = expected.sx * expected.sy * expected.depth;
  const w = vol.w as Record<string, unknown> | unknown[] | null;
  if (w === null || typeof w !== 'object') throw new DataError(`${at}: 'w' must hold ${count} numbers, got ${JSON.stringify(w)?.slice(0, 60)}`);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = Array.isArray(w) ? w[i] : Object.hasOwn(w, String(i)) ? (w as Record<string, unknown>)[String(i)] : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DataError(`${at}: w[${i}] of ${count} is ${JSON.stringify(value)}; expected a finite number`);
    }
    values[i] = value;
  }
  return values;
}

/** `count` Vols of one size (a conv's or fc's filters). */
function volumeList(raw: unknown, count: number, expected: VolumeSize, at: string): Float64Array[] {
  if (!Array.isArray(raw) || raw.length !== count) {
    throw new DataError(`${at}: expected ${count} filter Vols (one per output), got ${Array.isArray(raw) ? raw.length : JSON.stringify(raw)?.slice(0, 40)}`);
  }
  return raw.map((vol, k) => volume(vol, expected, `${at}[${k}]`));
}
