/**
 * The calling thread's half of the argument protocol (worker-pool-protocol.ts): writes a kernel's
 * argument record into the shared block as integers and float64s, and keeps the registry of names
 * and SharedArrayBuffers that the workers have been sent.
 *
 * Buffers are remembered by identity (a WeakMap keyed by the SharedArrayBuffer, so a subarray of a
 * known buffer costs nothing new). The workers hold views of every remembered buffer, which keeps
 * that memory alive in them, so the registry is bounded: beyond MAX_REMEMBERED_BUFFERS the least
 * recently used buffer is forgotten (the workers are told), and a buffer the calling thread has
 * garbage-collected is forgotten too (FinalizationRegistry).
 *
 * Forgetting is not freeing: a worker's copy of a forgotten buffer lives until the worker's own
 * garbage collector runs, and a worker allocates so little that it seldom does (a forced collection
 * on the calling thread does not help). So callers should reuse their shared memory rather than
 * allocate new buffers call after call: a training that made new layer buffers at each change of
 * batch size grew by ~85 MB per epoch (issue 15; layers now reuse theirs, reuseFloat32 in tensor.ts).
 */
import { ConfigError } from '../errors.ts';
import type { KernelArgs } from './executor.ts';
import {
  ARG_BUFFER, ARG_COUNT, ARG_KEY, ARG_KIND, ARG_LENGTH, ARGS_BASE, KERNEL, KIND_BOOLEAN, KIND_FLOAT32,
  KIND_FLOAT64, KIND_INT32, KIND_NUMBER, KIND_UINT8, MAX_ARGS, SLOTS_PER_ARG,
} from './worker-pool-protocol.ts';
import type { RegistrationMessage } from './worker-pool-protocol.ts';

/**
 * SharedArrayBuffers the workers keep views of; beyond this the least recently used are forgotten.
 * It must exceed the buffers one training step touches, or every step forgets buffers the next step
 * needs and sends them again (a registry entry, a message and new views each time): a training step
 * of the demo net with batch norm passes 72 (outputs, input gradients, weights, gradients and
 * statistics of every layer), `npm run train:cifar10-fast`'s six-conv net 129. The old limit of 64
 * made the first thrash: its re-registrations were the largest source of old-generation garbage.
 */
const MAX_REMEMBERED_BUFFERS = 1024;

/** Interned strings and remembered SharedArrayBuffers, with what the workers still have to learn. */
class Registrations {
  private readonly nameIds = new Map<string, number>();
  private readonly bufferIds = new WeakMap<SharedArrayBuffer, number>();
  private readonly buffers = new Map<number, { buffer: WeakRef<SharedArrayBuffer>; lastUse: number }>();
  private readonly collected = new FinalizationRegistry<number>((id) => this.forget(id));
  private nextBufferId = 1;
  newNames: Array<[number, string]> = [];
  newBuffers: Array<[number, SharedArrayBuffer]> = [];
  forgotten: number[] = [];

  nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.nameIds.size + 1;
      this.nameIds.set(name, id);
      this.newNames.push([id, name]);
    }
    return id;
  }

  bufferId(buffer: SharedArrayBuffer, tick: number): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
      this.buffers.set(id, { buffer: new WeakRef(buffer), lastUse: tick });
      this.collected.register(buffer, id);
      this.newBuffers.push([id, buffer]);
      if (this.buffers.size > MAX_REMEMBERED_BUFFERS) this.forgetLeastRecentlyUsed(tick);
    } else {
      this.buffers.get(id)!.lastUse = tick;
    }
    return id;
  }

  private forgetLeastRecentlyUsed(tick: number): void {
    let oldestId = 0;
    let oldestUse = tick;
    for (const [id, entry] of this.buffers) {
      if (entry.lastUse < oldestUse) [oldestId, oldestUse] = [id, entry.lastUse];
    }
    if (oldestId === 0) return; // every remembered buffer is used by this very call
    const buffer = this.buffers.get(oldestId)!.buffer.deref();
    if (buffer) this.bufferIds.delete(buffer);
    this.forget(oldestId);
  }

  private forget(id: number): void {
    if (!this.buffers.delete(id)) return;
    const pending = this.newBuffers.findIndex(([newId]) => newId === id);
    if (pending >= 0) this.newBuffers.splice(pending, 1);
    else this.forgotten.push(id);
  }

  /** Messages still to broadcast (null when there is nothing new); clears the backlog. */
  takeUpdate(): RegistrationMessage | null {
    if (this.newNames.length === 0 && this.newBuffers.length === 0 && this.forgotten.length === 0) return null;
    const update = { names: this.newNames, buffers: this.newBuffers, forget: this.forgotten };
    this.newNames = [];
    this.newBuffers = [];
    this.forgotten = [];
    return update;
  }

  /** Everything a newly started worker must know (the backlog included). */
  snapshot(): RegistrationMessage {
    const buffers: Array<[number, SharedArrayBuffer]> = [];
    for (const [id, entry] of this.buffers) {
      const buffer = entry.buffer.deref();
      if (buffer) buffers.push([id, buffer]);
    }
    return { names: [...this.nameIds].map(([name, id]) => [id, name] as [number, string]), buffers, forget: [] };
  }
}

export class ArgumentEncoder {
  private readonly registrations = new Registrations();

  constructor(
    private readonly control: Int32Array,
    private readonly numbers: Float64Array,
  ) {}

  /** Registrations the workers have not been sent yet (null if none); clears the backlog. */
  takeUpdate(): RegistrationMessage | null {
    return this.registrations.takeUpdate();
  }

  /** Everything a newly started worker must know. */
  snapshot(): RegistrationMessage {
    return this.registrations.snapshot();
  }

  /** Writes `args` into the shared argument block; `tick` numbers the call (for the buffer LRU). */
  encode(kernelName: string, args: KernelArgs, tick: number): void {
    const control = this.control;
    const numbers = this.numbers;
    control[KERNEL] = this.registrations.nameId(kernelName);
    let slot = 0;
    for (const key in args) {
      if (slot === MAX_ARGS) {
        throw new ConfigError(`WorkerPool: kernel '${kernelName}' was given more than ${MAX_ARGS} arguments`);
      }
      const value = args[key];
      const at = ARGS_BASE + slot * SLOTS_PER_ARG;
      control[at + ARG_KEY] = this.registrations.nameId(key);
      if (typeof value === 'number') {
        control[at + ARG_KIND] = KIND_NUMBER;
        numbers[slot] = value;
      } else if (typeof value === 'boolean') {
        control[at + ARG_KIND] = KIND_BOOLEAN;
        numbers[slot] = value ? 1 : 0;
      } else {
        const kind =
          value instanceof Float32Array ? KIND_FLOAT32
          : value instanceof Float64Array ? KIND_FLOAT64
          : value instanceof Int32Array ? KIND_INT32
          : value instanceof Uint8Array ? KIND_UINT8
          : -1;
        if (kind < 0) {
          throw new ConfigError(
            `WorkerPool: argument '${key}' of kernel '${kernelName}' must be a number, a boolean, a Float32Array, a Float64Array, an Int32Array or a Uint8Array`,
          );
        }
        const buffer = (value as Float32Array).buffer;
        if (!(buffer instanceof SharedArrayBuffer)) {
          throw new ConfigError(
            `WorkerPool: argument '${key}' of kernel '${kernelName}' is a ${value.constructor.name} on an ordinary ArrayBuffer; ` +
              'worker threads can only write into shared memory — allocate it with allocFloat32 (Tensor storage) or on a SharedArrayBuffer',
          );
        }
        control[at + ARG_KIND] = kind;
        control[at + ARG_BUFFER] = this.registrations.bufferId(buffer, tick);
        control[at + ARG_LENGTH] = (value as Float32Array).length;
        numbers[slot] = (value as Float32Array).byteOffset;
      }
      slot++;
    }
    control[ARG_COUNT] = slot;
  }
}
