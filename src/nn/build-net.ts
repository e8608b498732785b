/**
 * buildNet: normalized layer definitions → a Net of constructed layers, with shape inference.
 *
 * Each layer is built for the output shape of the one before it, so a definition that does not fit
 * (a 5×5 filter on a 2×2 map, an fc after nothing) fails here, before any data flows, with an error
 * that names the layer ("conv3: cannot apply a 5x5 filter to a 2x2 input ...").
 * Layers get default names from their type and position among layers of that type: conv1, relu1,
 * pool1, conv2, ... fc1, softmax1.
 */
import { ConfigError, formatShape } from '../errors.ts';
import { AvgPool2d } from '../layers/avg-pool.ts';
import { BatchNorm } from '../layers/batch-norm.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Dropout } from '../layers/dropout.ts';
import { Elu } from '../layers/elu.ts';
import { FullyConnected } from '../layers/fully-connected.ts';
import type { Layer } from '../layers/layer.ts';
import { LeakyRelu } from '../layers/leaky-relu.ts';
import { MaxPool2d } from '../layers/max-pool.ts';
import { Maxout } from '../layers/maxout.ts';
import { Pad } from '../layers/pad.ts';
import { Relu } from '../layers/relu.ts';
import { Sigmoid } from '../layers/sigmoid.ts';
import { Softmax } from '../layers/softmax.ts';
import { SvmOutput } from '../layers/svm-output.ts';
import { Tanh } from '../layers/tanh.ts';
import type { Shape } from '../tensor/tensor.ts';
import type { Rng } from '../tensor/rng.ts';
import type { LayerDefinition } from './definition.ts';
import { makeInitializer } from './initializers.ts';
import { Net } from './net.ts';
import type { SizeTotals } from './size-limits.ts';
import { checkLayerSizes, checkTensorSize } from './size-limits.ts';

/** Builds one layer for per-example input `shape`. */
export function buildLayer(definition: LayerDefinition, shape: Shape, name: string, rng: Rng): Layer {
  const common = { inputShape: shape, name: definition.name ?? name };
  switch (definition.type) {
    case 'conv':
      if (shape.length !== 3) {
        throw new ConfigError(`${common.name}: a conv layer needs image input (C, H, W), got (${shape.join(', ')}); put it before any fc layer`);
      }
      return new Conv2d({
        ...common, filters: definition.filters, size: definition.size, stride: definition.stride,
        pad: definition.pad, dilation: definition.dilation, rng,
        ...(definition.implementation ? { implementation: definition.implementation } : {}),
        ...(definition.init ? { init: makeInitializer(definition.init, rng) } : {}),
      });
    case 'pool': {
      if (shape.length !== 3) throw new ConfigError(`${common.name}: pooling needs image input (C, H, W), got (${shape.join(', ')})`);
      const options = { ...common, size: definition.size, stride: definition.stride };
      return definition.mode === 'max' ? new MaxPool2d(options) : new AvgPool2d(options);
    }
    case 'fc':
      return new FullyConnected({
        ...common, outputs: definition.units, rng,
        ...(definition.init ? { init: makeInitializer(definition.init, rng) } : {}),
      });
    case 'relu': return new Relu(common);
    case 'sigmoid': return new Sigmoid(common);
    case 'tanh': return new Tanh(common);
    case 'leaky-relu': return new LeakyRelu({ ...common, slope: definition.slope });
    case 'elu': return new Elu({ ...common, alpha: definition.alpha });
    case 'maxout': return new Maxout({ ...common, pieces: definition.pieces });
    case 'dropout': return new Dropout({ ...common, rate: definition.rate, rng });
    case 'batchnorm': return new BatchNorm({ ...common, momentum: definition.momentum, eps: definition.eps });
    case 'pad': return new Pad({ ...common, top: definition.top, bottom: definition.bottom, left: definition.left, right: definition.right });
    case 'softmax': return new Softmax(common);
    case 'svm': return new SvmOutput(common);
    case 'input':
      throw new ConfigError(`${name}: 'input' may only be the first layer`);
  }
}

/**
 * definitions: starting with {type: 'input', shape}; rng: initializes weights and drives dropout
 * (pass the trainer's Rng so a checkpoint captures every random draw).
 */
export function buildNet(definitions: LayerDefinition[], rng: Rng): Net {
  const [input, ...rest] = definitions;
  if (!input || input.type !== 'input') {
    throw new ConfigError(`network definition: the first layer must be {type: 'input', shape: [C, H, W]}, got ${JSON.stringify(input)}`);
  }
  checkTensorSize('input layer', 'input', input.shape);
  const counts: Record<string, number> = {};
  const layers: Layer[] = [];
  const totals: SizeTotals = { parameters: 0, activations: 0 };
  let shape: Shape = input.shape;
  rest.forEach((definition, index) => {
    const prefix = definition.type === 'leaky-relu' ? 'lrelu' : definition.type === 'batchnorm' ? 'bn' : definition.type;
    counts[prefix] = (counts[prefix] ?? 0) + 1;
    const name = `${prefix}${counts[prefix]}`;
    checkLayerSizes(definition, shape, definition.name ?? name, `${definition.name ?? name} (layer ${index + 2}, ${definition.type})`, totals);
    const layer = buildLayer(definition, shape, name, rng);
    layers.push(layer);
    shape = layer.outputShape;
  });
  checkLossInput(rest, layers);
  shrinkScoreLayer(rest, layers);
  return new Net(input.shape, layers);
}

/**
 * The loss layer (softmax or svm, last) scores classes: it needs a vector of class scores per example,
 * (N, K) with K ≥ 2, e.g. from an fc layer. Anything else (a lone `softmax` on (3, 32, 32) images, an
 * `fc1-softmax`) is refused here, so every command that builds a net — train, summary, a model file —
 * accepts and refuses the same definitions, with the same message.
 */
function checkLossInput(definitions: readonly LayerDefinition[], layers: readonly Layer[]): void {
  const last = layers.at(-1);
  if (!last || (last.type !== 'softmax' && last.type !== 'svm')) return; // Net refuses a net without a loss layer
  const scores = last.inputShape;
  if (scores.length !== 1 || scores[0] < 2) {
    const index = definitions.length + 1;
    throw new ConfigError(
      `${last.name} (layer ${index}, ${last.type}): the loss layer needs a vector of at least 2 class scores per example, got ${formatShape(scores)}; ` +
        `put an fc layer with one unit per class before it (e.g. fc10-${last.type})`,
    );
  }
}

/**
 * How much smaller than He the layer that computes the class scores starts: its weights are drawn as
 * He's N(0, 2/fanIn) and then multiplied by this factor (no extra draws, so the draw order stays).
 */
export const SCORE_LAYER_INIT_SCALE = 0.1;

/**
 * The lecture's first sanity check: at initialization every class score should be close to 0, so
 * the softmax loss starts near ln C (2.30 for 10 classes) and the SVM loss near C − 1. He
 * initialization keeps activations at unit scale through every layer — right for hidden layers, but
 * it makes the scores O(1) too, and a network that starts with confident random guesses starts at a
 * loss of 4–5 and spends its first steps unlearning them. So the fc/conv layer that feeds a softmax or
 * SVM output (through dropout at most) starts 10× smaller, unless its definition names an `init`.
 */
function shrinkScoreLayer(definitions: readonly LayerDefinition[], layers: readonly Layer[]): void {
  const last = definitions.length - 1;
  if (last < 0 || (definitions[last]!.type !== 'softmax' && definitions[last]!.type !== 'svm')) return;
  let index = last - 1;
  while (index >= 0 && definitions[index]!.type === 'dropout') index--;
  const definition = definitions[index];
  if (!definition || (definition.type !== 'fc' && definition.type !== 'conv') || definition.init) return;
  const weights = layers[index]!.parameters()[0]!.value.data;
  for (let i = 0; i < weights.length; i++) weights[i]! *= SCORE_LAYER_INIT_SCALE;
}
