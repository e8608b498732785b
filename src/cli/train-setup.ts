/**
 * What `train` and `start` share: turning command-line choices into a network definition, an
 * optimizer configuration and a train/validation split.
 */
import * as fs from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { subset } from '../data/dataset.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { parseDefinition } from '../nn/definition.ts';
import type { Net } from '../nn/net.ts';
import type { OptimizerConfig } from '../optim/optimizer.ts';
import { updateRuleNames } from '../optim/rules.ts';
import type { Rng } from '../tensor/rng.ts';

/** The ConvNetJS CIFAR-10 demo network. */
export const CONVNETJS_CIFAR10_NET = 'conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax';

/** A small net for 28×28 gray images (Fashion-MNIST). */
export const SMALL_MNIST_NET = 'conv5x5x16p2-relu-pool2-conv5x5x32p2-relu-pool2-fc128-relu-fc10-softmax';

/**
 * `--net`: a path to a .json/.txt definition file, or the definition itself (compact string or JSON).
 * The input layer comes from the data when the definition has none.
 */
export function resolveDefinition(spec: string, inputShape: number[]): LayerDefinition[] {
  let text = spec;
  if (!/^[[{]/.test(spec.trim()) && fs.existsSync(spec) && fs.statSync(spec).isFile()) text = fs.readFileSync(spec, 'utf8');
  return parseDefinition(text, inputShape);
}

/**
 * Optimizer configuration from the command line. `learningRate` undefined → the rule's own default
 * (see each rule's file in src/optim/: e.g. Adadelta 1, as in Zeiler 2012; Adam 1e-3).
 */
export function optimizerConfig(options: {
  type: string; learningRate?: number; momentum?: number; schedule: string; epochs: number; warmup?: number; weightDecay?: number;
}): OptimizerConfig {
  if (!updateRuleNames().includes(options.type)) {
    throw new ConfigError(`--optimizer: unknown update rule '${options.type}'; valid: ${updateRuleNames().join(', ')}`);
  }
  if (options.momentum !== undefined && options.type !== 'momentum' && options.type !== 'nesterov') {
    throw new ConfigError(`--momentum is the μ of the 'momentum' and 'nesterov' rules; '${options.type}' has none (choose --optimizer momentum or nesterov, or leave --momentum out)`);
  }
  if (options.weightDecay !== undefined && options.type !== 'adamw') {
    throw new ConfigError(`--weight-decay is AdamW's decoupled decay; '${options.type}' takes an L2 penalty through --reg instead`);
  }
  const warmup = options.warmup ?? 0;
  let schedule: Record<string, unknown>;
  switch (options.schedule) {
    case 'constant': schedule = { type: 'constant', unit: 'epoch', warmup }; break;
    case 'cosine': schedule = { type: 'cosine', period: options.epochs, unit: 'epoch', warmup }; break;
    case 'step': schedule = { type: 'step', every: Math.max(1, Math.round(options.epochs / 3)), gamma: 0.1, unit: 'epoch', warmup }; break;
    case 'exponential': schedule = { type: 'exponential', gamma: 0.9, unit: 'epoch', warmup }; break;
    default: throw new ConfigError(`--schedule: expected constant, cosine, step or exponential, got '${options.schedule}'`);
  }
  return {
    type: options.type,
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.momentum !== undefined && (options.type === 'momentum' || options.type === 'nesterov') ? { momentum: options.momentum } : {}),
    ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
    schedule,
  };
}

/**
 * Holds out `validationCount` training images (a seeded random choice) as a validation set.
 * Returns the remaining training set and the validation set (undefined when the count is 0).
 */
export function splitValidation(train: ImageDataset, validationCount: number, rng: Rng): { train: ImageDataset; validation?: ImageDataset } {
  if (validationCount <= 0) return { train };
  if (validationCount >= train.count) {
    throw new ConfigError(`--validation: ${validationCount} images would leave none of the ${train.count} for training`);
  }
  const order = rng.permutation(train.count);
  const held = Array.from(order.subarray(0, validationCount)).sort((a, b) => a - b);
  const kept = Array.from(order.subarray(validationCount)).sort((a, b) => a - b);
  return {
    train: subset(train, kept, `${train.name}`),
    validation: subset(train, held, `${train.name}-validation`),
  };
}

// ── Transfer learning: --init-from, --freeze, --replace-head, --lr-mult (see README "Transfer learning"). ──

/** `--freeze conv1,conv2`: a comma list of layer names, each once. Checks the syntax only. */
export function parseLayerNames(raw: string, option: string): string[] {
  const names = raw.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new ConfigError(`--${option}: expected layer names separated by commas, like conv1,conv2; got '${raw}'`);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new ConfigError(`--${option}: layer '${repeated}' is named twice`);
  return names;
}

/** `--lr-mult conv1=0.1,fc1=2`: layer name → learning-rate multiplier (finite, ≥ 0). */
export function parseLearningRateMultipliers(raw: string): Record<string, number> {
  const multipliers: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(part);
    const value = match ? Number(match[2]) : NaN;
    if (!match || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(`--lr-mult: cannot read '${part}'; expected <layer>=<x> with x a number ≥ 0, e.g. conv1=0.1,fc1=1`);
    }
    if (Object.hasOwn(multipliers, match[1])) throw new ConfigError(`--lr-mult: layer '${match[1]}' is given twice`);
    multipliers[match[1]] = value;
  }
  return multipliers;
}

/**
 * `--replace-head K`: the definition with its LAST fc layer (the one that scores the classes) given
 * K units, and that layer's name (buildNet's default fcN when the definition names none), which the
 * weight copy then leaves at its fresh initialization.
 */
export function replaceHead(definition: LayerDefinition[], classes: number): { definition: LayerDefinition[]; head: string } {
  const index = definition.map((layer) => layer.type).lastIndexOf('fc');
  if (index < 0) throw new ConfigError(`--replace-head: the network has no fc layer to replace (its layers: ${definition.map((l) => l.type).join(', ')})`);
  const head = definition[index];
  const position = definition.slice(0, index + 1).filter((layer) => layer.type === 'fc').length;
  const replaced = definition.map((layer, i) => (i === index ? { ...layer, units: classes } as LayerDefinition : layer));
  return { definition: replaced, head: head.name ?? `fc${position}` };
}

/**
 * Names given to --freeze / --lr-mult must be layers of the net that have parameters (a relu has
 * nothing to freeze). A ConfigError lists the layers that do.
 */
export function checkTrainableNames(net: Net, names: readonly string[], option: string): void {
  const withParameters = net.layers.filter((layer) => layer.parameters().length > 0).map((layer) => layer.name);
  const unknown = names.filter((name) => !withParameters.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`--${option}: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a layer with weights; the network's are ${withParameters.join(', ')}`);
  }
}
