/**
 * ForwardMode: whether a forward pass is for training (dropout active, batch statistics) or for
 * inference. Layers read it, and so do the graph's layer gates and the nets above them, so it sits at
 * the bottom of the library with Tensor.
 */

/** Whether the forward pass is for training (dropout active, batch statistics) or inference. */
export interface ForwardMode {
  readonly training: boolean;
}

export const TRAINING: ForwardMode = Object.freeze({ training: true });
export const INFERENCE: ForwardMode = Object.freeze({ training: false });
