import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetricsLine, parseMetricsJsonl, toMetricsLine, type MetricsLine } from '../../src/viz/metrics.ts';
import { DataError } from '../../src/errors.ts';

const STEP = '{"kind":"step","epoch":1,"step":1,"examples":32,"loss":2.31,"lr":0.01,"seconds":0.4}';
const EPOCH = '{"kind":"epoch","epoch":1,"step":1,"trainLoss":2.3,"trainAccuracy":0.1,"validationAccuracy":0.12,"seconds":1.5}';

describe('parseMetricsJsonl', () => {
  it('reads step and epoch lines in order, skipping blank lines and unknown kinds', () => {
    const text = `{"kind":"meta","lr":0.01}\n${STEP}\n\n${EPOCH}\n`;
    const parsed = parseMetricsJsonl(text);
    assert.equal(parsed.skipped, 1);
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(parsed.lines, [
      { kind: 'step', epoch: 1, step: 1, examples: 32, loss: 2.31, lr: 0.01, seconds: 0.4 },
      { kind: 'epoch', epoch: 1, step: 1, trainLoss: 2.3, trainAccuracy: 0.1, validationAccuracy: 0.12, seconds: 1.5 },
    ]);
    assert.ok(!('testAccuracy' in parsed.lines[1]!), 'absent optional fields stay absent');
  });

  it('reads a null loss (a diverged step) as NaN', () => {
    const parsed = parseMetricsJsonl(STEP.replace('2.31', 'null'));
    assert.ok(Number.isNaN((parsed.lines[0] as { loss: number }).loss));
  });

  it('throws DataError with the line number for bad JSON or a bad field in the middle', () => {
    assert.throws(() => parseMetricsJsonl(`${STEP}\n{oops\n${STEP}\n`, 'run/metrics.jsonl'), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /run\/metrics\.jsonl:2: not valid JSON/);
      return true;
    });
    assert.throws(() => parseMetricsJsonl(`${STEP}\n${STEP.replace('"lr":0.01', '"lr":"fast"')}\n`), /:2: field 'lr' must be a finite number, got "fast"/);
    assert.throws(() => parseMetricsJsonl(`${EPOCH.replace('"trainAccuracy":0.1,', '')}\n`), /field 'trainAccuracy'/);
    assert.throws(() => parseMetricsJsonl('{"epoch":1}\n'), /missing string field 'kind'/);
    assert.throws(() => parseMetricsJsonl('[1,2]\n'), /expected a JSON object/);
  });

  it('skips a cut-off last line (no newline) with a warning', () => {
    const parsed = parseMetricsJsonl(`${STEP}\n${EPOCH}\n{"kind":"step","epo`);
    assert.equal(parsed.lines.length, 2);
    assert.equal(parsed.warnings.length, 1);
    assert.match(parsed.warnings[0]!, /:3: last line is cut off/);
  });
});

describe('formatMetricsLine', () => {
  it('round-trips through the parser, writing NaN as null', () => {
    const lines: MetricsLine[] = [
      { kind: 'step', epoch: 2, step: 7, examples: 224, loss: Number.NaN, lr: 0.5, seconds: 3, regularizationLoss: 0.01 },
      { kind: 'epoch', epoch: 2, step: 7, trainLoss: 1.25, trainAccuracy: 0.5, testAccuracy: 0.4, seconds: 4 },
    ];
    const text = lines.map(formatMetricsLine).join('\n') + '\n';
    assert.match(text, /"loss":null/);
    const parsed = parseMetricsJsonl(text);
    assert.deepEqual(parsed.lines, lines);
  });

  it('toMetricsLine returns null for other kinds', () => {
    assert.equal(toMetricsLine({ kind: 'checkpoint', path: 'x' }, 'here'), null);
  });
});
