/**
 * Graceful stops under `npx tsx src/cli.ts …`.
 *
 * Why this exists: the tsx launcher runs our code in a child process and relays SIGINT/SIGTERM to it;
 * if the child has not acknowledged the signal within about 30 ms, tsx kills it with SIGKILL. Node
 * runs a signal handler only between two pieces of synchronous work, and one training step is
 * synchronous and longer than 30 ms, so under tsx a Ctrl-C or a `kill` would end every training
 * abruptly: no checkpoint of the last steps, a stale lock left behind (stop-signals.ts explains the
 * graceful path this would skip).
 *
 * What it does: a long-running command started under tsx runs itself again as a grandchild, in a
 * process group of its own, which tsx's relay and the terminal's Ctrl-C do not reach. This process
 * then has nothing to do but wait, so it acknowledges tsx at once and passes each SIGINT/SIGTERM on to
 * the grandchild (the first stops training after the current step, a second quits at once), and exits
 * with the grandchild's exit code. Should this process die anyway, the grandchild sees its IPC channel
 * close and stops itself the same graceful way. Started as `node --import tsx src/cli.ts …` (the npm
 * scripts) nothing of this happens: node delivers signals to the one process directly.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';

/** Set in the grandchild's environment, so it does not relaunch itself again. */
const RELAUNCHED = 'CONVNET_TS_RELAUNCHED';

/** tsx's launcher starts our process with `--require …/tsx/dist/preflight.cjs` (its signal relay). */
function isPreflight(argument: string): boolean {
  return /tsx[\\/]dist[\\/]preflight\.cjs$/.test(argument);
}

/** True in a process started by the tsx launcher, which would SIGKILL a busy process on a signal. */
export function runningUnderTsxLauncher(): boolean {
  return process.env[RELAUNCHED] !== '1' && process.execArgv.some(isPreflight);
}

/**
 * Runs this same command line again in a grandchild of its own process group, forwards SIGINT and
 * SIGTERM to it, and resolves with its exit code (128 + the signal number if a signal ended it).
 */
export function relaunchOutsideTsxLauncher(): Promise<number> {
  const execArgv = process.execArgv.filter((argument, i, all) => !isPreflight(argument) && !(argument === '--require' && isPreflight(all[i + 1] ?? '')));
  const child = spawn(process.execPath, [...execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [RELAUNCHED]: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

/**
 * In the grandchild: if the process that started us goes away (its IPC channel closes), stop the way
 * a SIGTERM does — after the current step, with a checkpoint — instead of training on unseen.
 */
export function stopWhenLauncherGoes(): void {
  if (process.env[RELAUNCHED] !== '1' || !process.channel) return;
  process.channel.unref(); // the channel must not keep the process alive by itself
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
