/**
 * WorkerPool: an Executor that runs range kernels on worker_threads (Node only).
 *
 *   parallelFor(kernel, args, total)            — synchronous, like the serial executor
 *     (kernel: a handle from src/kernels/kernel.ts, or the name of a kernel in a kernel module)
 *     1. split [0, total) into T = min(threads, total) contiguous parts (splitRange)
 *     2. hand parts 1..T-1 to workers 1..T-1 through shared memory, wake them (Atomics.notify)
 *     3. compute part 0 on the calling thread
 *     4. sleep (Atomics.wait) until the workers are done, then return — or throw their errors
 *
 * `workers: N` means N threads compute, the calling thread counting as one: N = 2 starts ONE worker
 * thread. Keep N at or below the number of cores: a part waiting for a core makes every dispatch wait.
 *
 * Memory: kernel arguments are numbers, booleans and typed arrays. Arrays must live on a
 * SharedArrayBuffer (Tensors do: allocFloat32 allocates them there), because a worker writes its
 * outputs straight into them. An array on an ordinary ArrayBuffer is REJECTED with a ConfigError
 * rather than copied: a copy would silently drop whatever the worker writes into it.
 *
 * Cost — the one place this library states it (`npm run bench -- --only dispatch` measures it; the
 * figures are from the README's bench run at commit 9ad814d on the 2-core reference machine, the
 * recorded run of that section): a worker still spinning after its last task (it spins 200 µs) takes
 * a new one in ~2 µs; one that has gone to sleep costs ~0.3 ms to wake (under load from other
 * processes both figures grow). Arguments travel as integers in a shared block, each
 * SharedArrayBuffer and each name crossing over once: worker-pool-protocol.ts explains the layout,
 * worker-pool-arguments.ts the calling side, worker-main.ts the worker side.
 *
 * Lifecycle. Threads start lazily, on the first parallelFor that needs them (the call blocks while
 * they load, ~0.3 s when the worker runs TypeScript through tsx), and are reused afterwards. They
 * are unref'd: a program that forgets close() still exits. close() stops them cleanly.
 *
 * Failures never hang the caller:
 * - a kernel that throws in a worker → parallelFor throws an error of the same type (ShapeError,
 *   DataError, ConfigError or Error) naming the kernel, the worker and its item range; the worker
 *   stays up and the pool stays usable;
 * - a worker that dies mid-task (process.exit in a kernel, out of memory, terminated) → parallelFor
 *   throws "worker N died"; the caller notices through the worker's 'exit' hook or, for deaths
 *   without hooks (out-of-memory, terminate), by probing the thread in /proc on Linux every 50 ms of
 *   waiting. The dead worker is replaced on the next call.
 * A kernel that never returns hangs the call, exactly as it would on the serial executor.
 * In every failure case parallelFor returns only after the other parts have finished, so no thread
 * is still writing into the caller's arrays when the caller sees the error.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort, ResourceLimits } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { splitRange } from './executor.ts';
import type { Executor, KernelArgs, RangeKernel } from './executor.ts';
import { kernelRegistry } from '../kernels/registry.ts';
import type { KernelHandle } from '../kernels/kernel.ts';
import { kernelTier } from '../kernels/engines/kernel-tier.ts';
import type { KernelTier } from '../kernels/engines/kernel-tier.ts';
import { ArgumentEncoder } from './worker-pool-arguments.ts';
import {
  ALIVE, COMMAND, COMMAND_QUIT, COMMAND_RUN, DONE, END, EXIT_CODE, FAILED, MAX_ARGS, PENDING, POSTED,
  SEQUENCE, START, STATE, STATE_FAILED, STATE_READY, STATE_STARTING, THREAD_ID, controlLength, workerBase,
} from './worker-pool-protocol.ts';
import type { FailureMessage, RegistrationMessage, WorkerSetup } from './worker-pool-protocol.ts';

/** Extra range kernels (tests, plug-ins): a module URL and the `kernels` record that module exports. */
export interface KernelModule {
  /** URL of an ES module exporting `kernels: Record<string, RangeKernel>`; each worker imports it. */
  readonly url: string;
  /** The same record, already imported, for the calling thread's own part. */
  readonly kernels: Readonly<Record<string, RangeKernel>>;
}

/** Imports a kernel module on this thread, for WorkerPoolOptions.kernelModules. */
export async function loadKernelModule(url: string | URL): Promise<KernelModule> {
  const href = String(url);
  const module = (await import(href)) as { kernels?: Record<string, RangeKernel> };
  if (!module.kernels) throw new ConfigError(`loadKernelModule: ${href} has no 'kernels' export`);
  return { url: href, kernels: module.kernels };
}

export interface WorkerPoolOptions {
  /** Threads that compute, the calling thread included (≥ 1). 1 means: no worker threads at all. */
  readonly workers: number;
  /** Kernels to add to src/kernels/registry.ts, on every thread. Names must not collide. */
  readonly kernelModules?: readonly KernelModule[];
  /** How long a thread spins before it sleeps, waiting for a task or for the other parts. Default 200 µs. */
  readonly spinMicroseconds?: number;
  /** How long the first parallelFor waits for the threads to load. Default 60 s. */
  readonly startTimeoutMilliseconds?: number;
  /** Heap limits of each worker thread (node:worker_threads); a worker above them dies, it does not take the process down. */
  readonly resourceLimits?: ResourceLimits;
}

/** How often a waiting caller checks that the workers it waits for are alive. */
const LIVENESS_SLICE_MILLISECONDS = 50;

/**
 * Runs in each new thread (eval'd CommonJS): record deaths in shared memory, make TypeScript
 * importable when the entry is .ts (Node 20 does not apply the parent's loader hooks to workers),
 * then hand over to worker-main.ts. Start-up errors go back on the port, flagged STATE_FAILED.
 */
const BOOTSTRAP = `
const { workerData: setup } = require('node:worker_threads');
const control = setup.control;
const base = setup.base;
process.on('exit', (code) => {
  if (Atomics.load(control, base + ${ALIVE}) !== setup.generation) return; // replaced already
  Atomics.store(control, base + ${EXIT_CODE}, code);
  Atomics.compareExchange(control, base + ${ALIVE}, setup.generation, 0);
  Atomics.notify(control, ${PENDING});
  Atomics.notify(control, base + ${STATE});
});
const loadTypeScript = setup.tsxApiUrl
  ? import(setup.tsxApiUrl).then((api) => { api.register(); })
  : Promise.resolve();
loadTypeScript
  .then(() => import(setup.entryUrl))
  .then((entry) => entry.runWorker(setup))
  .catch((error) => {
    setup.port.postMessage({
      name: (error && error.name) || 'Error',
      message: (error && error.message) || String(error),
      stack: (error && error.stack) || '',
    });
    Atomics.store(control, base + ${STATE}, ${STATE_FAILED});
    Atomics.notify(control, base + ${STATE});
  });
`;

const ENTRY_URL = new URL(import.meta.url.endsWith('.ts') ? './worker-main.ts' : './worker-main.js', import.meta.url).href;

function tsxApiUrl(): string | null {
  if (!ENTRY_URL.endsWith('.ts')) return null;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    throw new ConfigError(
      'WorkerPool: the worker module is TypeScript source but tsx/esm/api cannot be resolved; ' +
        'install the tsx dev dependency or run the compiled JavaScript',
    );
  }
}

/** One worker thread as the calling thread sees it. */
interface WorkerSlot {
  worker: Worker;
  port: MessagePort;
  /** Resolves when the thread has exited. */
  exited: Promise<void>;
  /** The last 'error' event (the message a dead worker left behind, if any). */
  lastError: unknown;
}

const ERROR_TYPES: Record<string, new (message: string, options?: ErrorOptions) => Error> = {
  ShapeError,
  DataError,
  ConfigError,
};

export class WorkerPool implements Executor {
  readonly threads: number;
  private readonly kernels: Record<string, RangeKernel>;
  private readonly kernelModuleUrls: string[];
  private readonly spinMicroseconds: number;
  private readonly startTimeoutMilliseconds: number;
  private readonly resourceLimits: ResourceLimits | undefined;
  private readonly control: Int32Array;
  private readonly numbers: Float64Array;
  private readonly encoder: ArgumentEncoder;
  /** slots[w] for worker w = 1..threads-1 (slots[0] is the calling thread's and stays null). */
  private readonly slots: Array<WorkerSlot | null>;
  private tick = 0;
  /** Threads spawned so far: the next thread's generation. */
  private generations = 0;
  private running = false;
  private closed = false;
  /** The kernel-tier setting the running workers last received (they follow the caller's setting). */
  private sentTier: KernelTier | null = null;

  constructor(options: WorkerPoolOptions) {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new ConfigError(`WorkerPool: 'workers' must be an integer ≥ 1 (threads, the caller included), got ${workers}`);
    }
    this.threads = workers;
    this.kernels = { ...kernelRegistry };
    for (const module of options.kernelModules ?? []) {
      for (const [name, kernel] of Object.entries(module.kernels)) {
        if (name in this.kernels) {
          throw new ConfigError(`WorkerPool: kernel '${name}' from ${module.url} is already registered`);
        }
        this.kernels[name] = kernel;
      }
    }
    this.kernelModuleUrls = (options.kernelModules ?? []).map((module) => module.url);
    this.spinMicroseconds = options.spinMicroseconds ?? 200;
    this.startTimeoutMilliseconds = options.startTimeoutMilliseconds ?? 60_000;
    this.resourceLimits = options.resourceLimits;
    this.control = new Int32Array(new SharedArrayBuffer(controlLength(workers) * Int32Array.BYTES_PER_ELEMENT));
    this.numbers = new Float64Array(new SharedArrayBuffer(MAX_ARGS * Float64Array.BYTES_PER_ELEMENT));
    this.encoder = new ArgumentEncoder(this.control, this.numbers);
    this.slots = new Array<WorkerSlot | null>(workers).fill(null);
  }

  /**
   * Runs `kernel` over [0, total), split over the threads. See the header. A handle must be the one
   * registered under its name (src/kernels/registry.ts or a kernel module): workers find it by name.
   */
  parallelFor<Args extends KernelArgs>(handle: KernelHandle<Args> | string, typedArgs: Args, total: number): void {
    const kernelName = typeof handle === 'string' ? handle : handle.name;
    const args: KernelArgs = typedArgs;
    if (this.closed) throw new ConfigError('WorkerPool: the pool is closed; create a new one');
    if (this.running) {
      throw new ConfigError(`WorkerPool: parallelFor('${kernelName}') was called from inside a kernel; kernels may not nest`);
    }
    const kernel = this.kernels[kernelName];
    if (!kernel) throw new ConfigError(`executor: no kernel named '${kernelName}' is registered`);
    if (typeof handle !== 'string' && (handle.run as unknown) !== kernel) {
      throw new ConfigError(`WorkerPool: the kernel handle '${kernelName}' is not the function registered under that name; register it (src/kernels/registry.ts or a kernel module) under a name of its own`);
    }
    if (!(total <= 0x7fffffff)) throw new ConfigError(`WorkerPool: total ${total} exceeds 2^31 - 1 items`);
    if (total <= 0) return;
    if (this.threads === 1) {
      kernel(args, 0, total);
      return;
    }
    this.running = true;
    try {
      this.tick++;
      this.encoder.encode(kernelName, args, this.tick); // validates shared memory even when one part suffices
      const parts = Math.min(this.threads, total);
      if (parts === 1) {
        kernel(args, 0, total);
        return;
      }
      this.dispatch(kernel, kernelName, args, total, parts);
    } finally {
      this.running = false;
    }
  }

  /** Stops the worker threads; later parallelFor calls throw. Resolves when every thread has exited. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exits: Array<Promise<void>> = [];
    for (let worker = 1; worker < this.threads; worker++) {
      const slot = this.slots[worker];
      if (!slot) continue;
      const base = workerBase(worker);
      Atomics.store(this.control, base + COMMAND, COMMAND_QUIT);
      Atomics.add(this.control, base + SEQUENCE, 1);
      Atomics.notify(this.control, base + SEQUENCE);
      slot.worker.ref(); // keep this process alive until the thread's 'exit' event arrives
      const timer = setTimeout(() => void slot.worker.terminate(), 2000);
      exits.push(slot.exited.then(() => clearTimeout(timer)));
      this.slots[worker] = null;
    }
    await Promise.all(exits);
  }

  private dispatch(kernel: RangeKernel, kernelName: string, args: KernelArgs, total: number, parts: number): void {
    this.ensureStarted(parts);
    let update = this.encoder.takeUpdate();
    const tier = kernelTier();
    if (tier !== this.sentTier) {
      update = { ...(update ?? { names: [], buffers: [], forget: [] }), tier };
      this.sentTier = tier;
    }
    if (update) this.broadcast(update);

    const control = this.control;
    // Part w of the split goes to worker w; part 0 is the calling thread's. One small array per
    // dispatch, so that the cut is defined in one place (splitRange) and nowhere repeated.
    const bounds = splitRange(total, parts);
    Atomics.store(control, PENDING, parts - 1);
    for (let part = 1; part < parts; part++) {
      const base = workerBase(part);
      control[base + START] = bounds[part];
      control[base + END] = bounds[part + 1];
      control[base + COMMAND] = COMMAND_RUN;
      Atomics.add(control, base + SEQUENCE, 1);
      Atomics.notify(control, base + SEQUENCE);
    }

    let callerError: unknown = null;
    try {
      kernel(args, bounds[0], bounds[1]);
    } catch (error) {
      callerError = error;
    }
    const dead = this.waitForWorkers(parts);
    const workerError = this.collectFailures(kernelName, total, parts, dead);
    if (callerError !== null) throw callerError;
    if (workerError) throw workerError;
  }

  /** Sleeps until PENDING reaches 0; returns the workers that died with their part unfinished. */
  private waitForWorkers(parts: number): number[] {
    const control = this.control;
    const dead: number[] = [];
    let pending = Atomics.load(control, PENDING);
    if (pending === 0) return dead;
    const spinUntil = performance.now() + this.spinMicroseconds / 1000;
    while ((pending = Atomics.load(control, PENDING)) !== 0 && performance.now() < spinUntil);
    while (pending !== 0) {
      Atomics.wait(control, PENDING, pending, LIVENESS_SLICE_MILLISECONDS);
      pending = Atomics.load(control, PENDING);
      if (pending === 0) break;
      for (let worker = 1; worker < parts; worker++) {
        const base = workerBase(worker);
        if (dead.includes(worker) || Atomics.load(control, base + DONE) === Atomics.load(control, base + SEQUENCE)) continue;
        if (!this.isAlive(worker)) {
          dead.push(worker);
          pending = Atomics.sub(control, PENDING, 1) - 1; // its part will never report
        }
      }
    }
    return dead;
  }

  /** Whether worker `worker`'s thread still runs: its 'exit' hook has not fired and /proc lists it. */
  private isAlive(worker: number): boolean {
    const base = workerBase(worker);
    if (Atomics.load(this.control, base + ALIVE) === 0) return false;
    const threadId = Atomics.load(this.control, base + THREAD_ID);
    return threadId === 0 || !existsSync('/proc/self') || existsSync(`/proc/self/task/${threadId}`);
  }

  /** The first error of this call's worker parts (null if none); retires dead workers. */
  private collectFailures(kernelName: string, total: number, parts: number, dead: number[]): Error | null {
    let first: Error | null = null;
    for (let worker = 1; worker < parts; worker++) {
      const slot = this.slots[worker]!;
      const base = workerBase(worker);
      const range = `items [${this.control[base + START]}, ${this.control[base + END]}) of ${total}`;
      let error: Error | null = null;
      if (dead.includes(worker)) {
        const code = Atomics.load(this.control, base + ALIVE) === 0
          ? `exit code ${this.control[base + EXIT_CODE]}`
          : 'no exit hook ran: out of memory or terminated';
        const reason = slot.lastError instanceof Error ? `: ${slot.lastError.message}` : '';
        error = new Error(`WorkerPool: worker ${worker} died while running kernel '${kernelName}' on ${range} (${code})${reason}; it will be restarted on the next call`);
        this.retire(worker);
      } else if (this.control[base + FAILED] === 1) {
        const failure = receiveMessageOnPort(slot.port)?.message as FailureMessage | undefined;
        const name = failure?.name ?? 'Error';
        const cause = new Error(failure?.message ?? 'unknown error');
        cause.name = name;
        if (failure?.stack) cause.stack = failure.stack;
        const ErrorType = ERROR_TYPES[name] ?? Error;
        error = new ErrorType(
          `WorkerPool: kernel '${kernelName}' threw in worker ${worker} on ${range}: ${name}: ${cause.message}`,
          { cause },
        );
      }
      first ??= error;
    }
    return first;
  }

  /** Starts (or restarts) the workers that the next `parts` parts need, and waits until they are ready. */
  private ensureStarted(parts: number): void {
    const started: number[] = [];
    for (let worker = 1; worker < parts; worker++) {
      const slot = this.slots[worker];
      if (slot && Atomics.load(this.control, workerBase(worker) + ALIVE) !== 0) continue;
      if (slot) this.retire(worker);
      this.spawn(worker);
      started.push(worker);
    }
    if (started.length === 0) return;
    const deadline = performance.now() + this.startTimeoutMilliseconds;
    for (const worker of started) {
      const base = workerBase(worker);
      for (;;) {
        const state = Atomics.load(this.control, base + STATE);
        if (state === STATE_READY) break;
        let problem = '';
        if (state === STATE_FAILED) {
          const failure = receiveMessageOnPort(this.slots[worker]!.port)?.message as FailureMessage | undefined;
          problem = `failed to load: ${failure?.name ?? 'Error'}: ${failure?.message ?? 'unknown error'}`;
        } else if (Atomics.load(this.control, base + ALIVE) === 0) {
          problem = `exited while loading (exit code ${this.control[base + EXIT_CODE]})`;
        } else if (performance.now() > deadline) {
          problem = `did not start within ${this.startTimeoutMilliseconds} ms`;
        }
        if (problem) {
          for (const other of started) this.retire(other);
          throw new ConfigError(`WorkerPool: worker ${worker} ${problem}`);
        }
        Atomics.wait(this.control, base + STATE, STATE_STARTING, LIVENESS_SLICE_MILLISECONDS);
      }
    }
  }

  private spawn(worker: number): void {
    const control = this.control;
    const base = workerBase(worker);
    for (const field of [SEQUENCE, DONE, COMMAND, EXIT_CODE, START, END, FAILED, POSTED, THREAD_ID]) {
      control[base + field] = 0;
    }
    Atomics.store(control, base + STATE, STATE_STARTING);
    const { port1, port2 } = new MessageChannel();
    const generation = ++this.generations;
    const setup: WorkerSetup = {
      worker,
      base,
      generation,
      control,
      numbers: this.numbers,
      port: port2,
      entryUrl: ENTRY_URL,
      tsxApiUrl: tsxApiUrl(),
      kernelModuleUrls: this.kernelModuleUrls,
      spinMicroseconds: this.spinMicroseconds,
    };
    Atomics.store(control, base + ALIVE, generation);
    const thread = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: setup,
      transferList: [port2],
      resourceLimits: this.resourceLimits,
    });
    const slot: WorkerSlot = { worker: thread, port: port1, exited: Promise.resolve(), lastError: null };
    slot.exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    // Without an 'error' listener an uncaught worker error would crash this process; keep it for reports.
    thread.on('error', (error) => { slot.lastError = error; });
    thread.once('exit', () => {
      Atomics.compareExchange(control, base + ALIVE, generation, 0);
    });
    thread.unref();
    port1.unref();
    this.slots[worker] = slot;
    // A new thread knows nothing yet: send every name and buffer (the backlog is broadcast later).
    port1.postMessage({ ...this.encoder.snapshot(), tier: kernelTier() });
    Atomics.add(control, base + POSTED, 1);
  }

  /** Forgets worker `worker` (stopping its thread if it still runs); a later call starts a new one. */
  private retire(worker: number): void {
    const slot = this.slots[worker];
    if (!slot) return;
    this.slots[worker] = null;
    Atomics.store(this.control, workerBase(worker) + ALIVE, 0);
    slot.port.close();
    void slot.worker.terminate();
  }

  private broadcast(update: RegistrationMessage): void {
    for (let worker = 1; worker < this.threads; worker++) {
      const slot = this.slots[worker];
      if (!slot) continue;
      slot.port.postMessage(update);
      Atomics.add(this.control, workerBase(worker) + POSTED, 1);
    }
  }
}
