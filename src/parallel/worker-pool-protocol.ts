/**
 * The shared-memory protocol between a WorkerPool (main thread) and its workers (worker-main.ts).
 *
 * Why not simply postMessage({ kernelName, args }) per task? Measured here, a structured clone of a
 * typical kernel argument record (three SharedArrayBuffer-backed arrays and a dozen numbers) costs
 * ~10 µs to serialise and deserialise — five times what the whole hand-off costs when a worker is
 * spinning (~2 µs). So a task travels through one small shared block instead:
 *
 *   control (Int32Array on a SharedArrayBuffer)
 *   ├─ header     PENDING   worker parts not finished yet (main sleeps on it; the last worker wakes it)
 *   │             KERNEL    id of the kernel name (names are interned: see below)
 *   │             ARG_COUNT number of arguments
 *   ├─ arguments  MAX_ARGS × [keyId, kind, bufferId, length]       (values in `numbers`, Float64Array)
 *   └─ per worker [SEQUENCE, DONE, COMMAND, STATE, ALIVE, EXIT_CODE, START, END, FAILED, POSTED, THREAD_ID]
 *
 * An argument is a number (kind NUMBER, value in numbers[i]), a boolean (kind BOOLEAN, 0/1 in
 * numbers[i]) or a typed-array view (kind FLOAT32/INT32/UINT8): the id of its SharedArrayBuffer,
 * its element length, and its byte offset in numbers[i]. Strings (kernel names, argument keys) and
 * SharedArrayBuffers cross over ONCE, by postMessage on the worker's MessagePort, each with a small
 * integer id; after that a dispatch only writes integers. The worker reads those registration
 * messages synchronously with receiveMessageOnPort before it runs the task (POSTED counts them).
 *
 * Memory order: the main thread writes the header and arguments with plain stores, then publishes
 * with Atomics.store(SEQUENCE); the worker reads SEQUENCE with Atomics.load before reading the rest.
 * The worker writes its outputs with plain stores, then Atomics.sub(PENDING). Sequentially
 * consistent atomics order the plain accesses around them, in both directions.
 */

import type { KernelTier } from '../kernels/engines/kernel-tier.ts';

/** Most arguments one kernel call may have. */
export const MAX_ARGS = 48;

// Header slots.
export const PENDING = 0;
export const KERNEL = 1;
export const ARG_COUNT = 2;
const HEADER_SIZE = 4;

// Argument slots: ARGS_BASE + i·SLOTS_PER_ARG + field.
export const ARGS_BASE = HEADER_SIZE;
export const SLOTS_PER_ARG = 4;
export const ARG_KEY = 0;
export const ARG_KIND = 1;
export const ARG_BUFFER = 2;
export const ARG_LENGTH = 3;

// Argument kinds.
export const KIND_NUMBER = 0;
export const KIND_BOOLEAN = 1;
export const KIND_FLOAT32 = 2;
export const KIND_INT32 = 3;
export const KIND_UINT8 = 4;
export const KIND_FLOAT64 = 5;

// Per-worker slots: workerBase(w) + field.
/** Incremented by the main thread to hand the worker a command; the worker sleeps on it. */
export const SEQUENCE = 0;
/** The last SEQUENCE the worker finished. */
export const DONE = 1;
/** What the new SEQUENCE means: COMMAND_RUN or COMMAND_QUIT. */
export const COMMAND = 2;
/** STATE_STARTING → STATE_READY, or STATE_FAILED (message on the port). */
export const STATE = 3;
/**
 * The generation (spawn number) of the live thread, 0 once it has exited. The worker's 'exit' hook
 * clears it with compareExchange(generation → 0), so a late hook of a replaced thread cannot mark
 * its successor dead.
 */
export const ALIVE = 4;
/** Exit code recorded by the 'exit' hook. */
export const EXIT_CODE = 5;
/** The item range [START, END) of the current task. */
export const START = 6;
export const END = 7;
/** 1 when the last task threw (the error is on the port). */
export const FAILED = 8;
/** Number of registration messages posted to this worker so far. */
export const POSTED = 9;
/** The worker's OS thread id (Linux /proc/thread-self), 0 when unknown: a liveness probe. */
export const THREAD_ID = 10;
const SLOTS_PER_WORKER = 12;

export const COMMAND_RUN = 1;
export const COMMAND_QUIT = 2;

export const STATE_STARTING = 0;
export const STATE_READY = 1;
export const STATE_FAILED = 2;

/** Start of worker `worker`'s slots (workers are numbered 1..T-1; part 0 is the main thread's). */
export function workerBase(worker: number): number {
  return ARGS_BASE + MAX_ARGS * SLOTS_PER_ARG + worker * SLOTS_PER_WORKER;
}

/** Length of the control block for a pool of `threads` threads. */
export function controlLength(threads: number): number {
  return workerBase(threads);
}

/**
 * Main → worker: names and buffers to remember (id → value) and buffer ids to forget; and the
 * kernel-tier setting (src/kernels/engines/kernel-tier.ts) when it is new to the worker.
 */
export interface RegistrationMessage {
  readonly names: ReadonlyArray<readonly [number, string]>;
  readonly buffers: ReadonlyArray<readonly [number, SharedArrayBuffer]>;
  readonly forget: readonly number[];
  readonly tier?: KernelTier;
}

/** Worker → main: why a task (or the start-up) failed. */
export interface FailureMessage {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** What a worker receives as workerData. */
export interface WorkerSetup {
  /** Worker number, 1..T-1. */
  readonly worker: number;
  /** workerBase(worker), precomputed for the bootstrap. */
  readonly base: number;
  /** This thread's generation, the value of its ALIVE slot while it lives. */
  readonly generation: number;
  readonly control: Int32Array;
  readonly numbers: Float64Array;
  readonly port: import('node:worker_threads').MessagePort;
  /** Worker entry module (worker-main.ts or .js). */
  readonly entryUrl: string;
  /** tsx/esm/api, when the entry is TypeScript source (Node 20 does not run loaders in workers). */
  readonly tsxApiUrl: string | null;
  /** Extra kernel modules: each exports `kernels: Record<string, RangeKernel>`. */
  readonly kernelModuleUrls: readonly string[];
  /** How long an idle worker spins on SEQUENCE before it sleeps, in microseconds. */
  readonly spinMicroseconds: number;
}
