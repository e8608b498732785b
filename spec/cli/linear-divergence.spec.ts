/**
 * `linear` stops a diverging run the way `train` does (src/train/divergence.ts), instead of ending at
 * a loss of 1e59 with exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { linearCommand } from '../../src/cli/linear-command.ts';
import { EXIT_CODES } from '../../src/errors.ts';
import { TrainingDivergedError } from '../../src/train/divergence.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-linear-divergence-'));
const common = ['--data', 'generated', '--train-limit', '400', '--epochs', '2', '--json'];

test('linear --lr 1e30 stops as diverged at its second step, exit code 5, the bound in the message', async () => {
  await assert.rejects(linearCommand([...common, '--lr', '1e30', '--out', path.join(scratch, 'diverged')]), (error: unknown) => {
    assert.ok(error instanceof TrainingDivergedError);
    assert.equal(error.exitCode, EXIT_CODES.diverged);
    assert.match(error.message, /^training diverged at epoch 1, step 2: loss .* exceeds the bound .* = 50 × /);
    return true;
  });
});

test("linear --divergence-factor off keeps only the non-finite check; 0 is refused", async () => {
  await assert.rejects(linearCommand([...common, '--lr', '1e30', '--divergence-factor', 'off', '--out', path.join(scratch, 'off')]),
    (error: unknown) => error instanceof TrainingDivergedError && /loss is (NaN|Infinity)/.test(error.message));
  await assert.rejects(linearCommand([...common, '--divergence-factor', '0', '--out', path.join(scratch, 'zero')]), /use 'off' to disable the bound/);
});
