/**
 * `npm start` as a user sees it when its output goes to a pipe or a log: the dataset said once, the
 * fallback to the generated set said with the download command, progress lines while the convnet
 * trains, and a clear statement that it stopped on its time budget with a usable model. Runs the
 * command in a child process on the generated set with a 2 s budget (`--seconds 2`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOWNLOAD_CIFAR10, convnetStopNotice, generatedSetNotice } from '../../src/cli/start-command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start messages', () => {
  it('say that --data auto fell back to the generated set, and name the download command', () => {
    const fallback = generatedSetNotice('auto', { kind: 'generated' })!;
    assert.match(fallback, /CIFAR-10 was not found/);
    assert.ok(fallback.includes(DOWNLOAD_CIFAR10));
    assert.equal(DOWNLOAD_CIFAR10, 'npx tsx src/cli.ts download cifar10');
    const asked = generatedSetNotice('generated', { kind: 'generated' })!;
    assert.doesNotMatch(asked, /not found/);
    assert.ok(asked.includes(DOWNLOAD_CIFAR10));
    assert.equal(generatedSetNotice('auto', { kind: 'cifar10' }), null);
  });

  it('say how far the convnet got when the budget stopped it, and that its model is usable', () => {
    // 50,000 images in batches of 32: 1563 steps per epoch; 1199 steps are 0.77 of an epoch.
    const budget = convnetStopNotice({ stoppedBy: 'maxSeconds', steps: 1199 }, 100, 50_000, 'runs/start/convnet');
    assert.match(budget, /^convnet: stopped on its time budget \(--seconds 100\) after 1199 steps, 0\.77 of 3 epochs\. The model is usable/);
    assert.match(budget, /train --resume runs\/start\/convnet/);
    const finished = convnetStopNotice({ stoppedBy: 'epochs', steps: 471 }, 100, 5000, 'runs/start/convnet');
    assert.equal(finished, 'convnet: finished its 3 epochs (471 steps) within the 100 s budget');
  });
});

describe('npm start, output not a terminal', () => {
  it('prints the data once, progress lines, the budget stop and the fallback; the report agrees on the steps', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-start-'));
    try {
      const result = spawnSync(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), 'start', '--data', 'generated', '--seconds', '2', '--workers', '1', '--out', out],
        { cwd: out, encoding: 'utf8' },
      );
      assert.equal(result.status, 0, result.stderr);
      const stdout = result.stdout.split('\n');
      const stderr = result.stderr.split('\n');

      const dataLines = stdout.filter((line) => line.startsWith('data:'));
      assert.deepEqual(dataLines, ['data: the embedded generated image set (5,000 train, 1,000 test, 3×32×32)']);
      assert.ok(stdout.some((line) => line.startsWith('note: ') && line.includes(DOWNLOAD_CIFAR10)), result.stdout);

      // Progress: plain lines on stderr (the first one after the first step), never a carriage return.
      assert.ok(!result.stderr.includes('\r'), 'a carriage return in non-terminal output');
      const progress = stderr.filter((line) => line.startsWith('step '));
      assert.ok(progress.length >= 1, `no progress line in stderr:\n${result.stderr}`);
      for (const line of progress) assert.match(line, /^step \d+ {2}epoch 1\/3 \(\d+%\) {2}loss \d+\.\d{3} {2}[\d,]+ ex\/s {2}ETA /);
      assert.match(progress[0]!, /^step 1 /);

      const stop = stdout.find((line) => line.startsWith('convnet: stopped on its time budget'));
      assert.ok(stop, result.stdout);
      const steps = Number(/after (\d+) steps/.exec(stop)![1]);
      assert.match(stop, /--seconds 2\).*The model is usable/);
      assert.ok(stdout.some((line) => line.startsWith('convnet: ') && line.includes(`after ${steps} steps, stopped on its 2 s budget`)), result.stdout);
      assert.ok(fs.existsSync(path.join(out, 'convnet', 'model.json')));

      // The report counts the same steps as the console (not the last logged multiple of 50).
      const report = fs.readFileSync(path.join(out, 'convnet', 'report.html'), 'utf8');
      assert.match(report, new RegExp(`<b>${steps}</b><span>steps</span>`));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
