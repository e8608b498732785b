/**
 * Messages between the Explain page (explain.ts) and its worker (explain-worker.ts), and the page's
 * own network. No side effects, so the browser spec can import the constants in Node.
 */
import type { ModelFile } from '../nn/model-file.ts';

/** A small convnet (two 3×3 conv layers): about 97 % on the generated set after TRAIN_STEPS steps. */
export const EXPLAIN_NET = 'conv3x3x8p1-relu-pool2-conv3x3x16p1-relu-pool2-fc10-softmax';
/** Minibatch steps of the page's own net (batch 32): about 2.5 s on a 2-core machine. */
export const TRAIN_STEPS = 150;
export type ToExplainWorker =
  | { type: 'train' }
  | { type: 'load'; model: ModelFile; fileName: string }
  | { type: 'explain'; index: number }
  | { type: 'class-models' }
  | { type: 'tsne'; count: number; seed: number };

export type FromExplainWorker =
  | { type: 'status'; text: string }
  | { type: 'error'; action: string; message: string }
  | { type: 'ready'; source: string; classNames: string[]; testCount: number; accuracy: number }
  | {
      type: 'explanation'; index: number; label: number; image: Uint8Array; height: number; width: number; channels: number;
      probabilities: Float64Array; occlusion: Float32Array; occlusionSize: number; occlusionStride: number;
      baseline: number; lowest: number; saliency: Float32Array;
    }
  /** Class k's model image (C, H, W) in input units, and its objective before and after the ascent. */
  | { type: 'class-model'; classIndex: number; classCount: number; image: Float32Array; shape: number[]; before: number; after: number }
  | { type: 'tsne'; coordinates: Float64Array; images: Uint8Array; labels: Uint8Array; count: number; perplexity: number; where: string; seconds: number };
