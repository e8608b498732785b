/**
 * KernelRecords: a layer's kernel argument records, one object per kernel, made on first use and
 * refilled in place on every call — so a training step allocates no argument objects.
 *
 *   const args = this.records.refill(conv2dForwardImplicitKernel, geometry); // geometry's fields copied in
 *   args.input = input.data; args.output = output.data; ...                  // the rest set by the caller
 *   executor.parallelFor(conv2dForwardImplicitKernel, args, batch);
 *
 * Why it matters: an argument object made afresh for each call lives as long as the kernel runs.
 * When V8's young-generation collector runs meanwhile (it runs every megabyte or so of allocation,
 * several times a second in training), the object survives it, and objects that survive are soon
 * moved ("promoted") into the old generation, which only the rare full collections clean. On the
 * demo net's training step that was 1.8 MB promoted per 100 steps (11 KB with records); with two
 * other sources (the worker pool resending buffers, worker-pool-arguments.ts, and base64 text built
 * piece by piece, float-codec.ts) it grew the main thread's heap from 20 to 87 MB within four epochs
 * of CIFAR-10 training. Reused records are not garbage at all. (Kernels themselves are pure and allocate nothing
 * that outlives them; the caller passes the record to exactly one parallelFor at a time, which reads
 * it before returning — a worker pool copies the values into shared memory — so refilling is safe.)
 *
 * The caller must set every field its kernel reads on every call: a field left from an earlier
 * call would be stale. Records are per layer instance and per kernel, so two kernels never share one.
 */
import type { KernelArgValue, KernelArgs, KernelHandle } from '../kernels/kernel.ts';

/** Args with its fields assignable (the kernels' own records are readonly). */
export type Writable<Args> = { -readonly [K in keyof Args]: Args[K] };

/** A base with no fields, for records whose every field the caller sets. */
export const NO_FIELDS: Readonly<Record<string, KernelArgValue>> = Object.freeze({});

export class KernelRecords {
  private readonly records = new Map<string, Record<string, KernelArgValue>>();

  /**
   * The record for `kernel` (the same object on every call), with `base`'s fields copied into it —
   * typically a geometry that changes only with the batch size. The caller sets the other fields.
   */
  refill<Args extends KernelArgs>(kernel: KernelHandle<Args>, base: Readonly<Record<string, KernelArgValue>>): Writable<Args> {
    let record = this.records.get(kernel.name);
    if (record === undefined) {
      record = { ...base };
      this.records.set(kernel.name, record);
    } else {
      Object.assign(record, base);
    }
    return record as Writable<Args>;
  }
}
