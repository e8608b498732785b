/**
 * A training started the way the README says — `npx tsx src/cli.ts train …`, through the tsx
 * launcher — stops gracefully on SIGTERM and SIGINT: after the current step, with a checkpoint, the
 * lock removed and exit 143/130, even though the launcher SIGKILLs a child that does not answer a
 * signal within 30 ms (src/cli/tsx-relaunch.ts). Without the relaunch this spec fails: the process
 * dies by SIGKILL (exit 137 or a signal), the lock stays and no TrainingInterruptedError is printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE_NAME } from '../../src/cli/run-lock.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsxLauncher = path.join(root, 'node_modules/tsx/dist/cli.mjs');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-tsx-signals-'));
// Slow enough steps (a 16-filter conv on 32×32, batch 50) that each takes well over 30 ms.
const TRAIN = ['train', '--data', 'generated', '--train-limit', '1000', '--test-limit', '50', '--batch', '50', '--workers', '1',
  '--net', 'conv5x5x16p2-relu-pool2-fc10-softmax', '--epochs', '20', '--log-every', '1', '--no-report', '--json'];

function loggedSteps(folder: string): number {
  const file = path.join(folder, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('"kind":"step"')).length;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`npx tsx … train: ${signal} to the tsx launcher stops after a step with a checkpoint and exit ${signal === 'SIGTERM' ? 143 : 130}`, { skip: !fs.existsSync(tsxLauncher) && 'tsx is not installed in node_modules' }, async () => {
    const out = path.join(scratch, signal);
    const child = spawn(process.execPath, [tsxLauncher, path.join(root, 'src/cli.ts'), ...TRAIN, '--out', out], { cwd: scratch, env: { ...process.env, CIFAR10_PATH: '' } });
    let stderr = '';
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    // 'close', not 'exit': under load the last stderr lines (the interruption message) can arrive
    // after the process has exited; 'close' waits until its output pipes are drained and shut.
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, s) => resolve({ code, signal: s })));
    const deadline = Date.now() + 120_000;
    while (loggedSteps(out) < 3) {
      assert.ok(Date.now() < deadline, `no training steps logged: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill(signal);
    const ended = await exit;
    assert.equal(ended.code, signal === 'SIGTERM' ? 143 : 130, `exit ${ended.code} / ${ended.signal}: ${stderr}`);
    assert.match(stderr, new RegExp(`TrainingInterruptedError: stopped by ${signal} .*checkpoint written to`));
    assert.equal(fs.existsSync(path.join(out, LOCK_FILE_NAME)), false, 'the lock is removed');
    const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'));
    assert.ok(checkpoint.globalStep >= 3, `checkpoint at step ${checkpoint.globalStep}`);
    assert.equal(checkpoint.globalStep, loggedSteps(out), 'the checkpoint is at the last step that ran');
  });
}
