/**
 * Folding batch normalization into the layer before it: a network trained as conv → bn → relu becomes
 * plain conv → relu with the same inference outputs and no batchnorm layers.
 *
 * At inference a batchnorm layer is a fixed affine map per channel k (src/layers/batch-norm.ts):
 *   bn(z)_k = γ_k·(z_k − μ_k)/√(σ²_k + eps) + β_k = s_k·z_k + (β_k − s_k·μ_k),   s_k = γ_k/√(σ²_k + eps)
 * with μ, σ² the running statistics. When z comes straight from a conv or fc layer, z_k = w_k·x + b_k
 * (w_k: row k of the weights, (C, FH, FW) for a conv filter, (D) for an fc unit), so
 *   bn(z)_k = (s_k·w_k)·x + s_k·(b_k − μ_k) + β_k
 * which is the same layer with weights w′_k = s_k·w_k and bias b′_k = s_k·(b_k − μ_k) + β_k.
 *
 * Why: batch normalization makes a network much easier to train (larger learning rates, no dead
 * units from badly scaled layers), but costs time at inference and changes the architecture. Folding
 * keeps the training benefit and hands back exactly the architecture without it — the deployment step
 * of TensorRT, TFLite and PyTorch's fuse_conv_bn_eval. The folded model has the parameter count of the
 * plain network.
 *
 * The arithmetic is done in float64 and rounded once to float32, so the folded outputs equal the
 * batch-normalized ones up to float32 rounding (about 1e-6 relative), not bit for bit. A batchnorm
 * that does not follow a conv or fc layer directly (e.g. after a relu) is left in place.
 *
 * Portable: no node:* imports.
 */
import { BatchNorm } from '../layers/batch-norm.ts';
import type { Layer } from '../layers/layer.ts';
import { Rng } from '../tensor/rng.ts';
import { buildNet } from './build-net.ts';
import type { LayerDefinition } from './definition.ts';
import type { Net } from './net.ts';

export interface FoldedNet {
  net: Net;
  /** `definition` without the folded batchnorm entries. */
  definition: LayerDefinition[];
  /** Names of the batchnorm layers folded, e.g. ['bn1', 'bn2']. */
  folded: string[];
}

/**
 * Folds every batchnorm that directly follows a conv or fc layer into it (see the header). `net` must
 * have been built from `definition` (an 'input' entry first, then one entry per layer); it is not
 * modified. The result is a new net in inference form.
 */
export function foldBatchNorm(net: Net, definition: LayerDefinition[]): FoldedNet {
  const [input, ...entries] = definition;
  const kept: LayerDefinition[] = [input];
  // For each kept entry (after input): the source layer, and the batchnorm folded into it if any.
  const sources: Array<{ layer: Layer; norm?: BatchNorm }> = [];
  const folded: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const layer = net.layers[i];
    const next = net.layers[i + 1];
    if ((layer.type === 'conv' || layer.type === 'fc') && next instanceof BatchNorm) {
      kept.push(entries[i]);
      sources.push({ layer, norm: next });
      folded.push(next.name);
      i++;
      continue;
    }
    kept.push(entries[i]);
    sources.push({ layer });
  }
  // The Rng only fills weights that are overwritten below.
  const result = buildNet(kept, new Rng(0));
  result.layers.forEach((target, i) => {
    const { layer, norm } = sources[i];
    const from = new Map(layer.parameters().map((p) => [p.name, p.value.data]));
    for (const p of target.parameters()) p.value.data.set(from.get(p.name)!);
    const buffers = new Map((layer.buffers?.() ?? []).map((b) => [b.name, b.value.data]));
    for (const b of target.buffers?.() ?? []) b.value.data.set(buffers.get(b.name)!);
    if (norm) foldInto(target, norm);
  });
  return { net: result, definition: kept, folded };
}

/** weights′_k = s_k·weights_k, bias′_k = s_k·(bias_k − μ_k) + β_k, s_k = γ_k/√(σ²_k + eps). */
function foldInto(layer: Layer, norm: BatchNorm): void {
  const parameter = (name: string): Float32Array => layer.parameters().find((p) => p.name === name)!.value.data;
  const weights = parameter('weights');
  const bias = parameter('bias');
  const gamma = norm.gamma.value.data;
  const beta = norm.beta.value.data;
  const mean = norm.runningMean.data;
  const variance = norm.runningVariance.data;
  const eps = norm.eps;
  const units = bias.length;
  const rowLength = weights.length / units;
  for (let k = 0; k < units; k++) {
    const scale = gamma[k] / Math.sqrt(variance[k] + eps);
    for (let j = k * rowLength; j < (k + 1) * rowLength; j++) weights[j] = weights[j] * scale;
    bias[k] = scale * (bias[k] - mean[k]) + beta[k];
  }
}
