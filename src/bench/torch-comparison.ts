/**
 * The PyTorch side of the training-step comparison: runs src/bench/torch-training-step.py with
 * Debian's python3 (python3-torch lives there, not necessarily in the `python3` first on the PATH)
 * and reads the one JSON line it prints.
 *
 * PyTorch is never a dependency: when the interpreter, the script or the torch module is missing, the
 * comparison is SKIPPED with the reason (a row that says so); only a script that ran and printed
 * something unreadable is an error (TorchOutputError), because then the comparison is broken, not absent.
 *
 * 2 threads run with OMP_WAIT_POLICY=PASSIVE: by default PyTorch's OpenMP threads spin while they wait,
 * and on a machine where anything else runs, two spinning threads on two cores collapse (10× slower).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../errors.ts';
import type { LayerDefinition } from '../nn/definition.ts';

/** Where Debian's python3-torch is importable. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The script, next to this file. */
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch-training-step.py', import.meta.url));

/** The script ran but its output is not the one JSON line it promises (or it failed). */
export class TorchOutputError extends Error {
  override readonly name = 'TorchOutputError';
  readonly exitCode: number = EXIT_CODES.failed;
}

/** One PyTorch process's measurement: milliseconds per step, one value per timed sample. */
export interface TorchMeasurement {
  readonly kind: 'measured';
  readonly torchVersion: string;
  readonly threads: number;
  readonly batch: number;
  readonly stepMilliseconds: readonly number[];
  /** CPU seconds the process used (all its threads; 0 when not reported). */
  readonly cpuSeconds: number;
}

/** Why there is no PyTorch row. */
export interface TorchUnavailable {
  readonly kind: 'unavailable';
  readonly reason: string;
}

export type TorchOutcome = TorchMeasurement | TorchUnavailable;

/** What a finished child process left behind (the fields of spawnSync's result the parser needs). */
export interface ProcessOutput {
  readonly status: number | null;
  readonly signal?: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the process could not be started at all (ENOENT, EACCES) or timed out. */
  readonly error?: Error;
}

/**
 * Why the comparison cannot run on this machine, before anything is started — or undefined when it
 * can be attempted (whether torch imports is the script's first answer).
 */
export function torchPrerequisiteMissing(python: string, script = TORCH_SCRIPT): string | undefined {
  if (!existsSync(python)) return `no ${python} (PyTorch is looked for in Debian's python3-torch: apt-get install python3-torch)`;
  if (!existsSync(script)) return `no ${script} (the PyTorch side of the bench)`;
  return undefined;
}

/** The last non-empty line of stdout (Python may print warnings first), or undefined. */
function lastLine(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return lines[lines.length - 1];
}

const shorten = (text: string, limit = 300): string => (text.length > limit ? `${text.slice(0, limit)}…` : text);

/**
 * Reads what torch-training-step.py printed. `where` names the run in errors ("PyTorch, 2 threads").
 *   {"unavailable": reason}                      → TorchUnavailable (torch cannot be imported)
 *   {"torch", "threads", "batch", "stepMilliseconds"} → TorchMeasurement
 *   anything else, or a non-zero exit            → TorchOutputError saying what came
 */
export function parseTorchOutput(output: ProcessOutput, where: string): TorchOutcome {
  if (output.error) {
    const code = (output.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return { kind: 'unavailable', reason: `cannot start the Python interpreter (${code})` };
    throw new TorchOutputError(`${where}: the PyTorch script did not finish: ${output.error.message}`);
  }
  if (output.status !== 0) {
    const why = output.status === null ? `was killed by ${output.signal ?? 'a signal'}` : `exited with status ${output.status}`;
    throw new TorchOutputError(`${where}: the PyTorch script ${why}; expected one JSON line; stderr: ${shorten(output.stderr.trim()) || '(empty)'}`);
  }
  const line = lastLine(output.stdout);
  if (line === undefined) throw new TorchOutputError(`${where}: expected one JSON line on the PyTorch script's stdout, got nothing`);
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new TorchOutputError(`${where}: expected one JSON line from the PyTorch script, got ${JSON.stringify(shorten(line))}`);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new TorchOutputError(`${where}: expected a JSON object from the PyTorch script, got ${shorten(line)}`);
  }
  const fields = record as Record<string, unknown>;
  if (typeof fields.unavailable === 'string') return { kind: 'unavailable', reason: fields.unavailable };
  const samples = fields.stepMilliseconds;
  const valid = typeof fields.torch === 'string' && Number.isInteger(fields.threads) && Number.isInteger(fields.batch) &&
    Array.isArray(samples) && samples.length > 0 && samples.every((value) => typeof value === 'number' && Number.isFinite(value) && value > 0);
  if (!valid) {
    throw new TorchOutputError(
      `${where}: expected {"torch": version, "threads": n, "batch": n, "stepMilliseconds": [positive numbers]} from the PyTorch script, got ${shorten(line)}`,
    );
  }
  return {
    kind: 'measured', torchVersion: fields.torch as string, threads: fields.threads as number, batch: fields.batch as number,
    stepMilliseconds: samples as number[], cpuSeconds: typeof fields.cpuSeconds === 'number' ? fields.cpuSeconds : 0,
  };
}

export interface TorchRunOptions {
  readonly python: string;
  readonly script?: string;
  /** The network, as parsed from a convnet-ts definition (the first entry the input). */
  readonly layers: readonly LayerDefinition[];
  readonly threads: number;
  readonly batch: number;
  readonly samples: number;
  readonly sampleMilliseconds: number;
  readonly warmupMilliseconds: number;
}

/** Starts one PyTorch process, waits for it (this thread is idle meanwhile) and reads its answer. */
export function runTorchStep(options: TorchRunOptions): TorchOutcome {
  const where = `PyTorch, ${options.threads} thread${options.threads === 1 ? '' : 's'}`;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(options.threads) };
  if (options.threads > 1) env.OMP_WAIT_POLICY = 'PASSIVE';
  const child = spawnSync(options.python, [
    options.script ?? TORCH_SCRIPT, '--layers', JSON.stringify(options.layers), '--threads', String(options.threads),
    '--batch', String(options.batch), '--samples', String(options.samples), '--sample-ms', String(options.sampleMilliseconds),
    '--warmup-ms', String(options.warmupMilliseconds),
  ], { env, encoding: 'utf8', timeout: 180_000, maxBuffer: 1 << 20 });
  return parseTorchOutput({ status: child.status, signal: child.signal, stdout: child.stdout ?? '', stderr: child.stderr ?? '', error: child.error }, where);
}
