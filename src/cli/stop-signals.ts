/**
 * Graceful stop on SIGINT (Ctrl-C) and SIGTERM (kill, npx, a job scheduler).
 *
 * The first signal asks the training to stop at the end of the current step (Trainer.requestStop):
 * the trainer's loop yields to the event loop between steps, which is when this handler runs; it
 * then writes a checkpoint as --max-seconds does, the workers are closed, the run lock removed and
 * the command exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, the shell's
 * convention), after which `train --resume` continues bit-identically.
 * A second signal exits at once with the same code: the run lock is removed by its 'exit' listener,
 * and the last checkpoint written stays (checkpoints are written atomically).
 *
 * Under the `tsx` launcher (`npx tsx src/cli.ts`, the npm scripts) a signal first reaches tsx's
 * parent process, which SIGKILLs a child that has not answered within about 30 ms — too short for a
 * training step. So `train`, `start` and `linear` started that way run in a process group of their
 * own behind an idle relay (src/cli/tsx-relaunch.ts), and stop here as gracefully as under plain node.
 */
import * as os from 'node:os';

export type StopSignal = 'SIGINT' | 'SIGTERM';

const STOP_SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM'];

/** 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + os.constants.signals[signal];
}

/** Raised (after the checkpoint is written and everything is closed) when a signal stopped the training. */
export class TrainingInterruptedError extends Error {
  override readonly name = 'TrainingInterruptedError';
  readonly signal: StopSignal;
  readonly exitCode: number;

  constructor(signal: StopSignal, message: string) {
    super(message);
    this.signal = signal;
    this.exitCode = signalExitCode(signal);
  }
}

/**
 * Installs the handlers: `onFirst(signal)` on the first SIGINT/SIGTERM, `process.exit` on the second.
 * `note` prints the one-line notices. Returns the function that removes the handlers again, and the
 * signal received so far (if any).
 */
export function handleStopSignals(onFirst: (signal: StopSignal) => void, note: (text: string) => void): { dispose(): void; received(): StopSignal | null } {
  let first: StopSignal | null = null;
  const handler = (signal: StopSignal): void => {
    if (first === null) {
      first = signal;
      note(`${signal}: stopping at the end of the current step (send it again to quit at once)`);
      onFirst(signal);
      return;
    }
    note(`${signal} again: quitting now; the last checkpoint written stays`);
    process.exit(signalExitCode(signal));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.removeListener(signal, handler);
    },
    received: () => first,
  };
}
