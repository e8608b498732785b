/**
 * Top patches per unit (Zeiler & Fergus 2014, Fig. 2; CS231n "visualizing what convnets learn"): for a
 * chosen channel k of a conv layer, the test images that excite it most, each cut to the part of the
 * image the unit can see (its receptive field, receptive-field.ts).
 *
 * For each image n the unit's strongest position is (y*, x*) = argmax over (y, x) of a[n, k, y, x]
 * (the conv layer's output, before its activation; the first maximum in row-major order). The images
 * are ranked by that maximum (ties: the lower image index first) and the `count` best kept — one patch
 * per image, so nine patches show nine different images.
 *
 * Activations come from a forward pass over the dataset in batches, so memory stays one batch.
 */
import { ConfigError } from '../errors.ts';
import type { ImageDataset, Normalization } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import type { Net } from '../nn/net.ts';
import { INFERENCE } from '../tensor/forward-mode.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { FieldBox, ReceptiveField } from './receptive-field.ts';
import { receptiveFields, unitFieldBox } from './receptive-field.ts';

export interface TopPatchesOptions {
  /** Conv layer names to explain; default every conv layer. */
  readonly layers?: readonly string[];
  /** Channels (units) per layer; default the first `defaultUnits` of each. */
  readonly units?: readonly number[];
  /** How many channels when `units` is not given; default 8. */
  readonly defaultUnits?: number;
  /** Patches per unit; default 9. */
  readonly count?: number;
  /** Images of the dataset to search: the first `imageLimit` (default all). */
  readonly imageLimit?: number;
  readonly batchSize?: number;
}

export interface PatchHit {
  readonly image: number;
  readonly y: number;
  readonly x: number;
  readonly activation: number;
  /** The receptive field of (y, x) in the image, clipped to it. */
  readonly box: FieldBox;
}

export interface UnitPatches {
  readonly unit: number;
  /** Best first. */
  readonly hits: readonly PatchHit[];
}

export interface LayerPatches {
  readonly layerIndex: number;
  readonly layerName: string;
  readonly field: ReceptiveField;
  readonly units: readonly UnitPatches[];
}

/** The conv layers asked for, with a ConfigError naming what exists when one is not there. */
function chosenLayers(net: Net, names: readonly string[] | undefined): number[] {
  const convIndices = net.layers.flatMap((layer, index) => (layer.type === 'conv' ? [index] : []));
  if (convIndices.length === 0) {
    throw new ConfigError(`top patches: the network has no conv layers (its layers: ${net.layers.map((l) => l.name).join(', ')}); only a conv unit has a receptive field to show`);
  }
  if (!names) return convIndices;
  return names.map((name) => {
    const index = convIndices.find((i) => net.layers[i].name === name);
    if (index === undefined) {
      throw new ConfigError(`top patches: no conv layer '${name}'; the conv layers are ${convIndices.map((i) => net.layers[i].name).join(', ')}`);
    }
    return index;
  });
}

/**
 * The `count` most exciting test patches of each chosen unit of each chosen conv layer.
 * dataset (N images, C×H×W matching net.inputShape), normalization: how the net's inputs were made.
 */
export function topPatches(net: Net, dataset: ImageDataset, normalization: Normalization, options: TopPatchesOptions = {}): LayerPatches[] {
  const layerIndices = chosenLayers(net, options.layers);
  const count = options.count ?? 9;
  const batchSize = options.batchSize ?? 100;
  const imageCount = Math.min(dataset.count, options.imageLimit ?? dataset.count);
  const fields = receptiveFields(net);
  const plans = layerIndices.map((layerIndex) => {
    const layer = net.layers[layerIndex];
    const [channels] = layer.outputShape;
    const units = options.units ?? Array.from({ length: Math.min(channels, options.defaultUnits ?? 8) }, (_, i) => i);
    for (const unit of units) {
      if (!Number.isInteger(unit) || unit < 0 || unit >= channels) {
        throw new ConfigError(`top patches: ${layer.name} has ${channels} units (0..${channels - 1}), got unit ${unit}`);
      }
    }
    return { layerIndex, units, best: units.map(() => [] as { image: number; y: number; x: number; activation: number }[]) };
  });
  const deepest = Math.max(...layerIndices) + 1;


  for (let first = 0; first < imageCount; first += batchSize) {
    const batchCount = Math.min(batchSize, imageCount - first);
    const indices = Array.from({ length: batchCount }, (_, i) => first + i);
    const input = Tensor.zeros([batchCount, dataset.channels, dataset.height, dataset.width]);
    toFloatBatch(dataset, indices, input.data, normalization);
    let activation = input;
    for (let i = 0; i < deepest; i++) {
      activation = net.layers[i].forward(activation, INFERENCE);
      const plan = plans.find((p) => p.layerIndex === i);
      if (!plan) continue;
      const [channels, height, width] = net.layers[i].outputShape;
      const plane = height * width;
      plan.units.forEach((unit, u) => {
        const list = plan.best[u];
        for (let n = 0; n < batchCount; n++) {
          const offset = (n * channels + unit) * plane;
          let where = 0;
          for (let p = 1; p < plane; p++) if (activation.data[offset + p] > activation.data[offset + where]) where = p;
          const value = activation.data[offset + where];
          // Keep the list sorted, best first; an equal value from a later image goes after (ties: lower index first).
          if (list.length === count && value <= list[count - 1].activation) continue;
          let at = list.length;
          while (at > 0 && list[at - 1].activation < value) at--;
          list.splice(at, 0, { image: first + n, y: Math.floor(where / width), x: where % width, activation: value });
          if (list.length > count) list.pop();
        }
      });
    }
  }
  return plans.map((plan) => {
    const field = fields[plan.layerIndex]!;
    return {
      layerIndex: plan.layerIndex,
      layerName: net.layers[plan.layerIndex].name,
      field,
      units: plan.units.map((unit, u) => ({
        unit,
        hits: plan.best[u].map((hit) => ({ ...hit, box: unitFieldBox(field, hit.y, hit.x, dataset.height, dataset.width) })),
      })),
    };
  });
}
