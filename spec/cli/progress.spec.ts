import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MINIMUM_BAR_COLUMNS, ProgressBar, barLineWidth, formatProgressLine, type ProgressUpdate } from '../../src/cli/progress.ts';

/** A stream that records what was written, with the terminal properties a test sets. */
function fakeStream(isTTY: boolean, columns: number | undefined): { writes: string[]; isTTY: boolean; columns: number | undefined; write(text: string): boolean } {
  return { writes: [], isTTY, columns, write(text: string) { this.writes.push(text); return true; } };
}

/** Step `stepInEpoch` of 10 in epoch 1 of 3, 64 examples per step. */
function update(stepInEpoch: number, epoch = 0): ProgressUpdate {
  return {
    epoch, epochs: 3, stepInEpoch, stepsPerEpoch: 10, loss: 2.3456, examplesPerSecond: 1234.4,
    remainingExamples: (10 - stepInEpoch) * 64 + (3 - epoch - 1) * 640,
  };
}

describe('progress display', () => {
  it('uses columns − 1 on a known terminal width and no bar when the width is unknown or too small', () => {
    assert.equal(barLineWidth(80), 79);
    assert.equal(barLineWidth(MINIMUM_BAR_COLUMNS), MINIMUM_BAR_COLUMNS - 1);
    for (const columns of [undefined, 0, 1, MINIMUM_BAR_COLUMNS - 1, Number.NaN, -5, 40.5]) {
      assert.equal(barLineWidth(columns), null, `columns ${columns}`);
    }
  });

  it('never throws on a terminal reporting 0, 1 or no columns, and writes plain lines there instead of a bar', () => {
    for (const columns of [0, 1, undefined]) {
      const stream = fakeStream(true, columns);
      let clock = 0;
      const progress = new ProgressBar(stream, { now: () => clock });
      for (let step = 1; step <= 10; step++) {
        clock += 100;
        progress.update(update(step));
      }
      progress.clear(); // the call that crashed at the end of epoch 1 with RangeError: Invalid count value: -1
      assert.ok(stream.writes.length >= 1, `columns ${columns}: wrote nothing`);
      for (const text of stream.writes) assert.ok(!text.includes('\r'), `columns ${columns}: '\\r' in ${JSON.stringify(text)}`);
    }
  });

  it('redraws one line in place, exactly columns − 1 wide, on a terminal with a width', () => {
    const stream = fakeStream(true, 50);
    let clock = 0;
    const progress = new ProgressBar(stream, { now: () => clock });
    progress.update(update(1));
    clock += 50; // too soon to redraw
    progress.update(update(2));
    clock += 100;
    progress.update(update(3));
    assert.equal(stream.writes.length, 2);
    for (const text of stream.writes) {
      assert.ok(text.startsWith('\r'));
      assert.equal(text.length, 1 + 49);
    }
    assert.match(stream.writes[1]!, /^\repoch 1\/3 \[█{6}░{14}\]  30%/);
    progress.clear();
    assert.equal(stream.writes.at(-1), `\r${' '.repeat(49)}\r`);
  });

  it('writes a line after the first step and then one per interval when the output is not a terminal', () => {
    const stream = fakeStream(false, undefined);
    let clock = 0;
    const progress = new ProgressBar(stream, { intervalSeconds: 10, now: () => clock });
    for (let step = 1; step <= 10; step++) {
      progress.update(update(step));
      clock += 4000; // 4 s per step: lines at steps 1, 4 (12 s later), 7 and 10
    }
    progress.clear();
    assert.deepEqual(stream.writes.map((text) => text.split('  ')[0]), ['step 1', 'step 4', 'step 7', 'step 10']);
    assert.ok(stream.writes.every((text) => text.endsWith('\n') && !text.includes('\r')));
  });

  it('says step, epoch, loss, speed and time left in a line', () => {
    // Epoch 2 (index 1), step 4 of 10: global step 14; 6·64 + 640 = 1024 examples left at 1234.4/s.
    assert.equal(formatProgressLine(update(4, 1)), 'step 14  epoch 2/3 (40%)  loss 2.346  1,234 ex/s  ETA 1s');
  });

  it('counts down the time budget instead when it ends before the epochs do', () => {
    // 6·64 + 640 + 640 = 1664 examples left at 2 ex/s: 832 s by the epochs, 30 s by the budget.
    const slow = { ...update(4), examplesPerSecond: 2 };
    assert.match(formatProgressLine(slow), /ETA 13m52s$/);
    assert.match(formatProgressLine({ ...slow, budgetSecondsLeft: 30 }), /ETA 30s \(time budget\)$/);
    assert.match(formatProgressLine({ ...slow, budgetSecondsLeft: 5000 }), /ETA 13m52s$/);
  });
});
