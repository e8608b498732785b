/**
 * The body of a WorkerPool worker thread: load the kernels, then loop forever on
 * "wait for a task → run kernelRegistry[name](args, start, end) → signal completion".
 *
 * The loop is synchronous — it never returns to the worker's event loop — because every step it
 * needs is synchronous: Atomics.wait to sleep, receiveMessageOnPort to read registrations, the kernel
 * itself. The protocol (slots, kinds, memory order) is described in worker-pool-protocol.ts.
 *
 * Waiting: after a task (and at start) the worker spins on its SEQUENCE slot for `spinMicroseconds`
 * before it sleeps in Atomics.wait. Waking a sleeping thread costs far more than handing a task to a
 * spinning one (worker-pool.ts states the measured costs): the spin makes back-to-back dispatches
 * (one layer's kernels, the next layer's) cheap, and the sleep keeps an idle pool from burning a core.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import type { KernelArgs, KernelArgValue, RangeKernel } from './executor.ts';
import { kernelRegistry } from '../kernels/registry.ts';
import { setKernelTier } from '../kernels/engines/kernel-tier.ts';
import {
  ALIVE, ARG_BUFFER, ARG_COUNT, ARG_KEY, ARG_KIND, ARG_LENGTH, ARGS_BASE, COMMAND, COMMAND_QUIT, DONE,
  END, FAILED, KERNEL, KIND_BOOLEAN, KIND_FLOAT32, KIND_FLOAT64, KIND_INT32, KIND_NUMBER, MAX_ARGS,
  PENDING, POSTED, SEQUENCE, SLOTS_PER_ARG, START, STATE, STATE_READY, THREAD_ID, workerBase,
} from './worker-pool-protocol.ts';
import type { FailureMessage, RegistrationMessage, WorkerSetup } from './worker-pool-protocol.ts';

/** Merges the built-in registry with the `kernels` export of each extra module. */
export async function loadKernels(moduleUrls: readonly string[]): Promise<Record<string, RangeKernel>> {
  const kernels: Record<string, RangeKernel> = { ...kernelRegistry };
  for (const url of moduleUrls) {
    const module = (await import(url)) as { kernels?: Record<string, RangeKernel> };
    if (!module.kernels) throw new Error(`kernel module ${url} has no 'kernels' export`);
    Object.assign(kernels, module.kernels);
  }
  return kernels;
}

/** This thread's Linux thread id, or 0 where /proc/thread-self does not exist. */
function osThreadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) | 0;
  } catch {
    return 0;
  }
}

/**
 * The worker's side of the buffer registry, plus one cached view per argument slot: a kernel's
 * arguments arrive in the same slots call after call, so a view is rebuilt only when its slot points
 * at another buffer range than last time (no allocation on the steady path).
 */
class ViewCache {
  private readonly buffers = new Map<number, SharedArrayBuffer>();
  private readonly slotKind = new Int32Array(MAX_ARGS).fill(-1);
  private readonly slotBuffer = new Int32Array(MAX_ARGS);
  private readonly slotOffset = new Float64Array(MAX_ARGS);
  private readonly slotLength = new Int32Array(MAX_ARGS);
  private readonly slotView: KernelArgValue[] = new Array<KernelArgValue>(MAX_ARGS).fill(0);

  register(message: RegistrationMessage, names: Map<number, string>): void {
    for (const [id, name] of message.names) names.set(id, name);
    for (const [id, buffer] of message.buffers) this.buffers.set(id, buffer);
    for (const id of message.forget) this.buffers.delete(id);
    // Ids of forgotten buffers are never reused, but drop the cached views so they can be collected.
    if (message.forget.length > 0) this.slotKind.fill(-1);
  }

  view(slot: number, kind: number, bufferId: number, byteOffset: number, length: number): KernelArgValue {
    if (
      this.slotKind[slot] === kind && this.slotBuffer[slot] === bufferId &&
      this.slotOffset[slot] === byteOffset && this.slotLength[slot] === length
    ) {
      return this.slotView[slot];
    }
    const buffer = this.buffers.get(bufferId);
    if (!buffer) throw new Error(`worker: unknown shared buffer id ${bufferId} (protocol error)`);
    const view =
      kind === KIND_FLOAT32 ? new Float32Array(buffer, byteOffset, length)
      : kind === KIND_FLOAT64 ? new Float64Array(buffer, byteOffset, length)
      : kind === KIND_INT32 ? new Int32Array(buffer, byteOffset, length)
      : new Uint8Array(buffer, byteOffset, length);
    this.slotKind[slot] = kind;
    this.slotBuffer[slot] = bufferId;
    this.slotOffset[slot] = byteOffset;
    this.slotLength[slot] = length;
    this.slotView[slot] = view;
    return view;
  }
}

function describe(error: unknown): FailureMessage {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack ?? '' };
  return { name: 'Error', message: String(error), stack: '' };
}

/** Runs the worker loop until the main thread sends COMMAND_QUIT. Called by the bootstrap. */
export async function runWorker(setup: WorkerSetup): Promise<void> {
  const { control, numbers, port } = setup;
  const base = workerBase(setup.worker);
  const kernels = await loadKernels(setup.kernelModuleUrls);
  const names = new Map<number, string>();
  const views = new ViewCache();
  const spinMilliseconds = setup.spinMicroseconds / 1000;
  let received = 0;
  let seen = Atomics.load(control, base + SEQUENCE);

  Atomics.store(control, base + THREAD_ID, osThreadId());
  Atomics.store(control, base + STATE, STATE_READY);
  Atomics.notify(control, base + STATE);

  for (;;) {
    // Wait for a new SEQUENCE: spin first (cheap hand-off), then sleep.
    if (Atomics.load(control, base + SEQUENCE) === seen) {
      const deadline = performance.now() + spinMilliseconds;
      while (Atomics.load(control, base + SEQUENCE) === seen && performance.now() < deadline);
      while (Atomics.load(control, base + SEQUENCE) === seen) Atomics.wait(control, base + SEQUENCE, seen);
    }
    seen = Atomics.load(control, base + SEQUENCE);

    while (received < Atomics.load(control, base + POSTED)) {
      const envelope = receiveMessageOnPort(port);
      if (!envelope) break; // cannot happen: postMessage completes before POSTED is raised
      const message = envelope.message as RegistrationMessage;
      views.register(message, names);
      // The caller's kernel-tier setting: this thread's scratch heaps follow it from the next kernel on.
      if (message.tier !== undefined) setKernelTier(message.tier);
      received++;
    }
    if (Atomics.load(control, base + COMMAND) === COMMAND_QUIT) break;

    let failed = 0;
    try {
      const kernelName = names.get(control[KERNEL]) ?? '';
      const kernel = kernels[kernelName];
      if (!kernel) throw new Error(`no kernel named '${kernelName}' is registered in the worker`);
      const args: Record<string, KernelArgValue> = {};
      const argCount = control[ARG_COUNT];
      for (let slot = 0; slot < argCount; slot++) {
        const at = ARGS_BASE + slot * SLOTS_PER_ARG;
        const key = names.get(control[at + ARG_KEY]) ?? '';
        const kind = control[at + ARG_KIND];
        args[key] =
          kind === KIND_NUMBER ? numbers[slot]
          : kind === KIND_BOOLEAN ? numbers[slot] !== 0
          : views.view(slot, kind, control[at + ARG_BUFFER], numbers[slot], control[at + ARG_LENGTH]);
      }
      kernel(args as KernelArgs, control[base + START], control[base + END]);
    } catch (error) {
      port.postMessage(describe(error));
      failed = 1;
    }
    control[base + FAILED] = failed;
    Atomics.store(control, base + DONE, seen);
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
  Atomics.compareExchange(control, base + ALIVE, setup.generation, 0);
  port.close();
}
