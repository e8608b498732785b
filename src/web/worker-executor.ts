/**
 * WorkerExecutor: an Executor for browsers that splits each kernel over the calling worker and helper
 * Web Workers sharing the tensors' memory (SharedArrayBuffer) — the browser counterpart of Node's
 * WorkerPool (src/parallel/worker-pool.ts), much simpler and for dedicated workers only.
 *
 *   parallelFor(kernel, args, total)       synchronous, like SerialExecutor
 *     1. split [0, total) into T parts (splitRange), T = min(threads, total)
 *     2. post part t to helper t (a message: kernel name, args, range; typed arrays on a
 *        SharedArrayBuffer are shared by the structured clone, not copied)
 *     3. compute part 0 here
 *     4. Atomics.wait until every helper has set its slot of the shared `done` array
 *
 * Bit-identical to serial by the Executor's determinism rule (parallel/executor.ts): every output
 * element is written by exactly one part, with the same arithmetic in the same order.
 *
 * Needs `crossOriginIsolated` (SharedArrayBuffer) and must run in a worker: Atomics.wait is refused on
 * a page's main thread. Arrays not on shared memory never reach it — layers route such jobs to the
 * serial executor (executorFor). A kernel that throws in a helper makes parallelFor throw an Error with
 * the helper's message (read from shared memory, since the caller cannot receive messages while waiting).
 */
import type { Executor, KernelArgs, KernelHandle, RangeKernel } from '../parallel/executor.ts';
import { splitRange } from '../parallel/executor.ts';
import { kernelRegistry } from '../kernels/registry.ts';
import { ConfigError } from '../errors.ts';

/** Slot states in the shared `done` array. */
export const SLOT_IDLE = 0;
export const SLOT_DONE = 1;
export const SLOT_FAILED = 2;
/** Bytes per helper for a failure message. */
export const MESSAGE_BYTES = 1024;

/** What the calling worker posts to a helper: once `setup`, then one `run` per part. */
export type HelperMessage =
  | { type: 'setup'; slot: number; done: Int32Array; messages: Uint8Array }
  | { type: 'run'; kernelName: string; args: KernelArgs; start: number; end: number };

export class WorkerExecutor implements Executor {
  readonly threads: number;
  private readonly helpers: Worker[];
  private readonly done: Int32Array;
  private readonly messages: Uint8Array;

  private constructor(helpers: Worker[], done: Int32Array, messages: Uint8Array) {
    this.helpers = helpers;
    this.threads = helpers.length + 1;
    this.done = done;
    this.messages = messages;
  }

  /**
   * Starts `threads - 1` helpers from `helperUrl` (executor-helper-worker.js) and waits until each
   * has loaded. @throws ConfigError when SharedArrayBuffer is unavailable (not crossOriginIsolated).
   */
  static async start(threads: number, helperUrl: URL): Promise<WorkerExecutor> {
    if (typeof SharedArrayBuffer !== 'function' || !globalThis.crossOriginIsolated) {
      throw new ConfigError('WorkerExecutor: needs SharedArrayBuffer, i.e. a crossOriginIsolated page (COOP/COEP headers)');
    }
    if (!Number.isInteger(threads) || threads < 2) throw new ConfigError(`WorkerExecutor: threads must be an integer ≥ 2, got ${threads}`);
    const done = new Int32Array(new SharedArrayBuffer(4 * (threads - 1)));
    const messages = new Uint8Array(new SharedArrayBuffer(MESSAGE_BYTES * (threads - 1)));
    const helpers: Worker[] = [];
    for (let slot = 0; slot < threads - 1; slot++) {
      const helper = new Worker(helperUrl, { type: 'module' });
      await new Promise<void>((resolve, reject) => {
        helper.onmessage = () => resolve();
        helper.onerror = (event) => reject(new Error(`executor helper ${slot + 1}: ${event.message}`));
        helper.postMessage({ type: 'setup', slot, done, messages } satisfies HelperMessage);
      });
      helpers.push(helper);
    }
    return new WorkerExecutor(helpers, done, messages);
  }

  /**
   * `kernel` is a handle (src/kernels/kernel.ts) or a registered name; the helpers get only the name
   * (a function cannot be posted) and look the same function up in the registry.
   */
  parallelFor<Args extends KernelArgs>(handle: KernelHandle<Args> | string, args: Args, total: number): void {
    const kernelName = typeof handle === 'string' ? handle : handle.name;
    const kernel = kernelRegistry[kernelName] as RangeKernel<Args> | undefined;
    if (!kernel) throw new ConfigError(`executor: no kernel named '${kernelName}' is registered`);
    if (typeof handle !== 'string' && handle.run !== (kernel as unknown)) {
      throw new ConfigError(`executor: the kernel handle '${kernelName}' is not the function registered under that name, so the helpers could not run it`);
    }
    if (total <= 0) return;
    const parts = Math.min(this.threads, total);
    const bounds = splitRange(total, parts);
    for (let part = 1; part < parts; part++) {
      Atomics.store(this.done, part - 1, SLOT_IDLE);
      this.helpers[part - 1]!.postMessage({ type: 'run', kernelName, args, start: bounds[part]!, end: bounds[part + 1]! } satisfies HelperMessage);
    }
    let failure: unknown = null;
    try {
      kernel(args, bounds[0]!, bounds[1]!);
    } catch (error) {
      failure = error;
    }
    // Wait for every helper even after a local failure: none may still be writing when we return.
    for (let part = 1; part < parts; part++) {
      while (Atomics.load(this.done, part - 1) === SLOT_IDLE) Atomics.wait(this.done, part - 1, SLOT_IDLE, 1000);
      if (Atomics.load(this.done, part - 1) === SLOT_FAILED && failure === null) {
        // The helper wrote a NUL-terminated UTF-8 message into its slot (TextDecoder refuses shared memory: copy first).
        const bytes = this.messages.slice((part - 1) * MESSAGE_BYTES, part * MESSAGE_BYTES);
        const end = bytes.indexOf(0);
        const text = new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
        failure = new Error(`executor helper ${part} (items ${bounds[part]}–${bounds[part + 1]} of ${kernelName}): ${text}`);
      }
    }
    if (failure !== null) throw failure;
  }

  /** Stops the helpers. */
  close(): void {
    for (const helper of this.helpers) helper.terminate();
  }
}
