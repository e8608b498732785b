/**
 * SvmOutput: the final layer of a net trained with the multiclass hinge (SVM) loss.
 *
 *   scores: (N, C) → (N, C), the identity.
 *
 * A softmax net ends in a Softmax layer that turns scores into probabilities; an SVM's scores are
 * used as they are, so its final layer only marks which loss the net is trained with (as ConvNetJS's
 * 'svm' layer does). Net computes the hinge loss on the scores that reach it.
 */
import { ShapeError, formatShape } from '../errors.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import { checkBatchInput } from './batch-checks.ts';
import type { Layer, Parameter } from './layer.ts';

export class SvmOutput implements Layer {
  readonly type = 'svm';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;

  /** inputShape: [C], the class scores of one example. */
  constructor(options: { inputShape: Shape; name?: string }) {
    if (options.inputShape.length !== 1) {
      throw new ShapeError(`${options.name ?? 'svm'}: expected class scores of shape [C], got ${formatShape(options.inputShape)}; put an fc layer before it`);
    }
    this.name = options.name ?? 'svm';
    this.inputShape = [...options.inputShape];
    this.outputShape = this.inputShape;
  }

  parameters(): Parameter[] {
    return [];
  }

  forward(input: Tensor): Tensor {
    checkBatchInput(input, this.inputShape, this.name);
    return input;
  }

  backward(outputGrad: Tensor): Tensor {
    return outputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type };
  }
}
