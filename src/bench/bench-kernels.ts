/**
 * Range kernels used only by the benchmark, handed to a WorkerPool through `kernelModules` (they are
 * not part of the library's registry).
 *
 * 'computeLoop' measures what two threads can do on this machine, independent of our kernels:
 * each item runs a fixed amount of floating-point work on data that stays in L1 — eight independent
 * multiply-add chains over a 256-value table, like the register tile of the GEMM micro-kernel — and
 * writes one result. No memory traffic, no sharing: its 2-thread speed-up is the ceiling for ours
 * (on hyper-threaded "cores" it is well below 2).
 */
import type { KernelArgs, RangeKernel } from '../parallel/executor.ts';

/** Length of the table each item sweeps. */
const TABLE_LENGTH = 256;
/** Sweeps per item: one item = 16 · 256 = 4096 multiply-adds. */
const SWEEPS_PER_ITEM = 16;
/** Multiply-adds per item, for reporting. */
export const COMPUTE_LOOP_MACS_PER_ITEM = TABLE_LENGTH * SWEEPS_PER_ITEM;

const table = new Float64Array(TABLE_LENGTH);
for (let i = 0; i < TABLE_LENGTH; i++) table[i] = 0.999 + i * 1e-6;

/** out[item] = the result of item's multiply-add chains, for item in [start, end). */
function computeLoop(args: KernelArgs, start: number, end: number): void {
  const out = args.out as Float32Array;
  for (let item = start; item < end; item++) {
    let s0 = item, s1 = 1, s2 = 2, s3 = 3, s4 = 4, s5 = 5, s6 = 6, s7 = 7;
    for (let sweep = 0; sweep < SWEEPS_PER_ITEM; sweep++) {
      for (let i = 0; i < TABLE_LENGTH; i += 8) {
        s0 = s0 * table[i] + 1e-3;
        s1 = s1 * table[i + 1] + 1e-3;
        s2 = s2 * table[i + 2] + 1e-3;
        s3 = s3 * table[i + 3] + 1e-3;
        s4 = s4 * table[i + 4] + 1e-3;
        s5 = s5 * table[i + 5] + 1e-3;
        s6 = s6 * table[i + 6] + 1e-3;
        s7 = s7 * table[i + 7] + 1e-3;
      }
    }
    out[item] = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  }
}

export const kernels: Record<string, RangeKernel> = { computeLoop };
