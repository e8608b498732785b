/**
 * A helper Web Worker of WorkerExecutor (worker-executor.ts): runs the parts it is given and marks
 * its slot of the shared `done` array (Atomics.notify wakes the waiting caller). Kernels write their
 * outputs straight into the caller's SharedArrayBuffers.
 */
import { kernelRegistry } from '../kernels/registry.ts';
import type { HelperMessage } from './worker-executor.ts';
import { MESSAGE_BYTES, SLOT_DONE, SLOT_FAILED } from './worker-executor.ts';

interface HelperScope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<HelperMessage>) => void) | null;
}
const scope = globalThis as unknown as HelperScope;
let slot = -1;
let done: Int32Array | null = null;
let messages: Uint8Array | null = null;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'setup') {
    slot = message.slot;
    done = message.done;
    messages = message.messages;
    scope.postMessage('ready');
    return;
  }
  let state = SLOT_DONE;
  try {
    kernelRegistry[message.kernelName]!(message.args, message.start, message.end);
  } catch (error) {
    state = SLOT_FAILED;
    const text = new TextEncoder().encode(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).subarray(0, MESSAGE_BYTES - 1);
    messages!.fill(0, slot * MESSAGE_BYTES, (slot + 1) * MESSAGE_BYTES);
    messages!.set(text, slot * MESSAGE_BYTES);
  }
  Atomics.store(done!, slot, state);
  Atomics.notify(done!, slot);
};
