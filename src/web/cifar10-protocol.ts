/**
 * Messages between the CIFAR-10 page (cifar10.ts) and its training worker (cifar10-worker.ts).
 * The worker owns the network; the page only draws what the worker reports, so a long training
 * step never freezes the page.
 */
import type { ModelFile } from '../nn/model-file.ts';
import type { SessionSettings } from './training-session.ts';

export type ToWorker =
  /** Build a new network and train it; on any error the running one continues untouched. */
  | { type: 'start'; settings: SessionSettings; trainBatches: number; threads: number }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Reply with the model file of the running network. */
  | { type: 'save' }
  /** Replace the running network by the model in the file (its header already checked by the page). */
  | { type: 'load'; model: ModelFile; fileName: string }
  /** Reply with the activation maps of test image `index`. */
  | { type: 'activations'; index: number }
  /** Train a separate network for `steps` steps on the generated set and reply with its weights hash. */
  | { type: 'hash-check'; steps: number; settings: SessionSettings; threads: number };

/** One layer's output for one image: shape (C, H, W) or (D). */
export interface ActivationMaps {
  name: string;
  shape: number[];
  maps: Float32Array;
}

export type FromWorker =
  | { type: 'status'; text: string }
  /** Which executor trains: serial, or a WorkerExecutor with this many threads. */
  | { type: 'executor'; threads: number; text: string }
  | { type: 'error'; action: string; message: string }
  | {
      type: 'started'; description: string; definitionText: string; layerSummary: string; parameterCount: number;
      classNames: string[]; exampleImages: Uint8Array; exampleLabels: number[]; testCount: number;
    }
  | { type: 'progress'; steps: number; examples: number; loss: number; examplesPerSecond: number; paused: boolean }
  | { type: 'evaluation'; examples: number; trainAccuracy: number; testAccuracy: number; testLoss: number }
  | { type: 'pictures'; filters: { shape: number[]; data: Float32Array } | null; probabilities: Float32Array }
  | { type: 'activations'; index: number; image: Uint8Array; label: number; layers: ActivationMaps[] }
  | { type: 'model'; json: string }
  | { type: 'hash'; steps: number; hash: string; seconds: number };
