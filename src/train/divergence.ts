/**
 * Divergence guard: the rule that stops a training run whose loss has blown up, so that a learning
 * rate far too large ends in a clear message instead of hours of NaN or of a loss of 1e16.
 *
 * The rule, checked at every step t on the step's total loss L_t (data loss + regularization),
 * before the update:
 *   1. L_t is NaN or ±Infinity                                   → diverged (always on);
 *   2. t ≥ 2 and L_t > factor × L_ref(t)                         → diverged,
 *      where L_ref(t) = mean of L_1 … L_m, m = min(t − 1, referenceSteps): the mean loss of the run's
 *      first steps — global steps 1..10 by default, counted from the very start of the run, across
 *      resumes; until step 11 the mean of the steps so far. Comparing from step 2 on matters: a
 *      learning rate far too large multiplies the loss by 1000 within two or three steps, and a
 *      reference that waited for 10 steps would average in the blown-up losses and never trigger.
 * Defaults: factor 50, referenceSteps 10. `factor: null` turns rule 2 off (rule 1 stays). A factor
 * below 1 is refused: it would stop a healthy run whose loss merely wobbles above its start. When
 * L_ref is 0 (a loss that starts at exactly zero gives no scale) rule 2 is skipped.
 *
 * Why relative to the first steps: a well-tuned run's loss falls from its starting value (≈ ln K for
 * softmax with the default initialization); a run whose loss climbs 50 times above where it started is
 * not learning, whatever the dataset or loss. The first steps are averaged because one batch is noisy.
 *
 * The guard's state (the reference sum and how many steps fed it) is part of a checkpoint, so a
 * resumed run checks against the same bound as the uninterrupted one. Portable: no node:* imports.
 * Used by the Trainer; any other loop (e.g. the linear classifier's) can call `check` the same way.
 */
import { ConfigError, EXIT_CODES } from '../errors.ts';

/** Raised when the loss becomes non-finite or exceeds the bound: training stops, the last good checkpoint stays. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  /** The command line's exit code for a diverged run (EXIT_CODES in src/errors.ts). */
  readonly exitCode: number = EXIT_CODES.diverged;
}

export const DEFAULT_DIVERGENCE_FACTOR = 50;
export const DEFAULT_DIVERGENCE_REFERENCE_STEPS = 10;

export interface DivergenceOptions {
  /** The bound is factor × L_ref; null disables the bound (non-finite losses still stop). Default 50. */
  factor?: number | null;
  /** How many first steps of the run define L_ref. Default 10. */
  referenceSteps?: number;
}

/** What a checkpoint keeps of the guard. */
export interface DivergenceState {
  referenceLossSum: number;
  referenceCount: number;
}

export class DivergenceGuard {
  readonly factor: number | null;
  readonly referenceSteps: number;
  private referenceLossSum = 0;
  private referenceCount = 0;

  constructor(options: DivergenceOptions = {}) {
    const factor = options.factor === undefined ? DEFAULT_DIVERGENCE_FACTOR : options.factor;
    if (factor !== null && !(Number.isFinite(factor) && factor >= 1)) {
      throw new ConfigError(`divergence factor must be a number ≥ 1 (or off), got ${factor}`);
    }
    const referenceSteps = options.referenceSteps ?? DEFAULT_DIVERGENCE_REFERENCE_STEPS;
    if (!Number.isInteger(referenceSteps) || referenceSteps < 1) {
      throw new ConfigError(`divergence reference steps must be a positive integer, got ${referenceSteps}`);
    }
    this.factor = factor;
    this.referenceSteps = referenceSteps;
  }

  /** L_ref: the mean loss of the first steps seen so far (at most referenceSteps); undefined before step 1. */
  get referenceLoss(): number | undefined {
    return this.referenceCount > 0 ? this.referenceLossSum / this.referenceCount : undefined;
  }

  /** The bound in force (factor × L_ref), or undefined when there is none yet (or it is off). */
  get bound(): number | undefined {
    const reference = this.referenceLoss;
    return this.factor === null || reference === undefined || reference === 0 ? undefined : this.factor * reference;
  }

  /**
   * Checks the total loss of one step; `where` says which (e.g. "epoch 3, step 412") for the message.
   * @throws TrainingDivergedError with the loss, the bound and how it was derived.
   */
  check(loss: number, where: string, detail = ''): void {
    if (!Number.isFinite(loss)) {
      throw new TrainingDivergedError(
        `training diverged at ${where}: loss is ${loss}${detail}. Lower the learning rate; nothing of this step was applied (a run's last checkpoint stays as it was).`,
      );
    }
    const bound = this.bound;
    if (bound !== undefined && loss > bound) {
      throw new TrainingDivergedError(
        `training diverged at ${where}: loss ${formatLoss(loss)}${detail} exceeds the bound ${formatLoss(bound)} ` +
          `= ${this.factor} × ${formatLoss(this.referenceLoss!)} (the mean loss of the first ${this.referenceCount} step${this.referenceCount === 1 ? '' : 's'}). ` +
          'Lower the learning rate, or change the bound with --divergence-factor; nothing of this step was applied (a run\'s last checkpoint stays as it was).',
      );
    }
    if (this.referenceCount < this.referenceSteps) {
      this.referenceLossSum += loss;
      this.referenceCount++;
    }
  }

  getState(): DivergenceState {
    return { referenceLossSum: this.referenceLossSum, referenceCount: this.referenceCount };
  }

  setState(state: DivergenceState): void {
    this.referenceLossSum = state.referenceLossSum;
    this.referenceCount = state.referenceCount;
  }
}

function formatLoss(value: number): string {
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toPrecision(4);
}
