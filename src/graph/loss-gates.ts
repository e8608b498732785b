/**
 * Gates that end a graph in a scalar loss, built on the library's own loss and penalty modules — so a
 * network written as a graph is scored by exactly the code that scores a Net.
 *
 *   gate                                  forward (a scalar)              local derivative
 *   svmLossGate(s, y)                     L = svmLoss(s, y).loss          ds += dL · svmLoss(s, y).scoresGrad
 *   softmaxLossGate(s, y)                 L = softmax cross-entropy       ds += dL · (p − onehot(y)) / N
 *   penaltyGate(w, penalty, λ)            L = λ·R(w)  (l1, l2, elastic)   dw += dL · λ·dR/dw
 *
 * s: scores (N, C); y: N labels. dL is the gate's upstream gradient (1 when it is the root).
 * The formulas, and why they are computed the way they are, are in src/losses/ and src/regularizers/.
 */
import type { Labels } from '../losses/labels.ts';
import { softmaxCrossEntropyLoss } from '../losses/softmax-cross-entropy.ts';
import { svmLoss } from '../losses/svm.ts';
import type { ClassificationLoss } from '../losses/svm.ts';
import type { Penalty } from '../regularizers/penalties.ts';
import { Tensor } from '../tensor/tensor.ts';
import { GraphNode } from './node.ts';

function classificationGate(scores: GraphNode, result: ClassificationLoss, op: string): GraphNode {
  const gradient = result.scoresGrad.data;
  return new GraphNode(Tensor.scalar(result.loss), [scores], op, (node) => {
    const upstream = node.grad.data[0];
    const ds = scores.grad.data;
    for (let i = 0; i < ds.length; i++) ds[i] += upstream * gradient[i];
  });
}

/** Multiclass SVM (hinge) loss of scores (N, C) against labels (N): a scalar node. */
export function svmLossGate(scores: GraphNode, labels: Labels): GraphNode {
  return classificationGate(scores, svmLoss(scores.value, labels), 'svm loss');
}

/** Softmax cross-entropy of scores (N, C) against labels (N): a scalar node. */
export function softmaxLossGate(scores: GraphNode, labels: Labels): GraphNode {
  return classificationGate(scores, softmaxCrossEntropyLoss(scores.value, labels), 'softmax loss');
}

/** λ·R(w) for a weight penalty R (l1, l2, elasticNet(β) of src/regularizers/penalties.ts): a scalar node. */
export function penaltyGate(weights: GraphNode, penalty: Penalty, strength: number): GraphNode {
  const value = strength * penalty.value(weights.value.data);
  return new GraphNode(Tensor.scalar(value), [weights], 'penalty', (node) => {
    penalty.addGradient(weights.value.data, weights.grad.data, strength * node.grad.data[0]);
  });
}
