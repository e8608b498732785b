/**
 * The run folder under faults: ownership (train.lock), unwritable or full locations, signals,
 * kill -9 and resume. The CLI specs run `src/cli.ts` in child processes on the embedded generated
 * set, as a user would, and signal them for real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../../src/errors.ts';
import { RunDirectory } from '../../src/cli/run-directory.ts';
import { signalExitCode } from '../../src/cli/stop-signals.ts';
import { temporaryPathFor } from '../../src/io/atomic-write.ts';
import { RunFolderError, describeFileError } from '../../src/cli/run-folder-error.ts';
import { LOCK_FILE_NAME, RunFolderBusyError, acquireRunLock } from '../../src/cli/run-lock.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-run-folder-'));
const cliArgs = (args: string[]) => ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args];
const env = { ...process.env, CIFAR10_PATH: '' };

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, cliArgs(args), { cwd: scratch, encoding: 'utf8', env });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/**
 * A typed one-line error: "Name: message", no stack frames. Progress lines ("step 12  epoch 1/3 …",
 * which a piped training writes to stderr every few seconds) are not part of the error.
 */
function assertOneLine(stderr: string, name: RegExp): void {
  const lines = stderr.trim().split('\n').filter((line) => !/^step \d+ /.test(line));
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0], name);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

// ── In process: the lock, the folder errors, the repairs ──

test('the lock holds the pid; a second taker is refused naming the folder and the pid; release removes it', () => {
  const folder = fs.mkdtempSync(path.join(scratch, 'lock-'));
  const lock = acquireRunLock(folder, 'train');
  const holder = JSON.parse(fs.readFileSync(path.join(folder, LOCK_FILE_NAME), 'utf8'));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.hostname, os.hostname());
  assert.equal(lock.recoveredFrom, null);
  assert.throws(() => acquireRunLock(folder, 'train'),
    (e: Error) => e instanceof RunFolderBusyError && (e.name as string) === 'RunFolderBusyError' && e.message.startsWith(`${folder}: `) && e.message.includes(`in use by process ${process.pid}`));
  assert.deepEqual(fs.readdirSync(folder), [LOCK_FILE_NAME], 'no temporary file is left by the refused attempt');
  lock.release();
  assert.deepEqual(fs.readdirSync(folder), []);
  lock.release(); // idempotent
});

test('a stale lock (its process is gone) is recovered and reported; a lock from another host is respected', () => {
  const folder = fs.mkdtempSync(path.join(scratch, 'stale-'));
  const pid = deadPid();
  fs.writeFileSync(path.join(folder, LOCK_FILE_NAME), JSON.stringify({ pid, hostname: os.hostname(), started: 'yesterday', command: 'train' }));
  const lock = acquireRunLock(folder, 'train');
  assert.equal(lock.recoveredFrom?.pid, pid);
  assert.equal(JSON.parse(fs.readFileSync(lock.path, 'utf8')).pid, process.pid);
  lock.release();

  fs.writeFileSync(path.join(folder, LOCK_FILE_NAME), JSON.stringify({ pid, hostname: 'elsewhere', started: 'now', command: 'train' }));
  assert.throws(() => acquireRunLock(folder, 'train'), (e: Error) => e instanceof RunFolderBusyError && /process \d+ on host elsewhere/.test(e.message));
});

test('--out that is a file, lies below a file, or is read-only; a full disk: RunFolderErrors naming the path', (t) => {
  const file = path.join(scratch, 'a-file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => new RunDirectory(file), (e: Error) => e instanceof RunFolderError && (e.name as string) === 'RunFolderError' && e.message.startsWith(`${file}: cannot create the run folder: `) && /\((EEXIST|ENOTDIR)\)/.test(e.message));
  const below = path.join(file, 'run');
  assert.throws(() => new RunDirectory(below), (e: Error) => e instanceof RunFolderError && e.message.startsWith(`${below}: `) && /a part of the path is a file, not a folder \(ENOTDIR\)/.test(e.message));

  // A full disk: metrics.jsonl pointing at /dev/full, which fails every write with ENOSPC.
  if (fs.existsSync('/dev/full')) {
    const run = new RunDirectory(fs.mkdtempSync(path.join(scratch, 'full-')));
    fs.symlinkSync('/dev/full', run.metricsPath);
    assert.throws(() => run.appendMetrics({ kind: 'step', epoch: 1, step: 1, examples: 1, loss: 1, lr: 1, seconds: 1 }),
      (e: Error) => e instanceof RunFolderError && e.message === `${run.metricsPath}: cannot append: no space left on the device (ENOSPC)`);
  } else {
    t.diagnostic('no /dev/full on this system: the real ENOSPC case is skipped');
  }
  // The codes a write can meet all read as words, with the code and the path.
  for (const [code, words] of [['ENOSPC', 'no space left'], ['EACCES', 'permission denied'], ['EROFS', 'read-only'], ['ENOENT', 'no such file or folder'], ['EEXIST', 'a file where a folder is needed']]) {
    const error = Object.assign(new Error('raw'), { code });
    assert.match(describeFileError(error, '/r/x', 'cannot write'), new RegExp(`^/r/x: cannot write: .*${words}.* \\(${code}\\)$`));
  }

  // Read-only: a 0555 folder refuses writes, except to root; as root, sysfs refuses them instead.
  const isRoot = process.getuid?.() === 0;
  const readOnly = isRoot ? '/sys/convnet-ts-run' : path.join(scratch, 'read-only');
  if (!isRoot) {
    fs.mkdirSync(readOnly);
    fs.chmodSync(readOnly, 0o555);
  }
  const target = isRoot ? readOnly : path.join(readOnly, 'run');
  if (isRoot && !fs.existsSync('/sys/kernel')) {
    t.diagnostic('running as root without sysfs: no read-only location to try');
    return;
  }
  assert.throws(() => new RunDirectory(target), (e: Error) => e instanceof RunFolderError && e.message.startsWith(`${target}: cannot create the run folder: `) && /\((EACCES|EPERM|EROFS)\)$/.test(e.message));
});

test('leftovers of interrupted writes are removed (only those whose writer is gone); metrics are cut back to a checkpoint', () => {
  const run = new RunDirectory(fs.mkdtempSync(path.join(scratch, 'repair-')));
  // Named exactly as writeFileAtomic names its temporary files, with the pid of a process that is gone.
  const dead = path.basename(temporaryPathFor(run.checkpointPath)).replace(`.${process.pid}.`, `.${deadPid()}.`);
  const live = `.model.json.${process.pid}.abcdef012345.tmp`;
  for (const name of [dead, live, 'notes.tmp']) fs.writeFileSync(run.path(name), 'partial');
  assert.deepEqual(run.removeLeftoverTemporaryFiles(), [dead]);
  assert.deepEqual(fs.readdirSync(run.folder).sort(), [live, 'notes.tmp'].sort());

  const lines = [
    { kind: 'meta', command: 'train' },
    { kind: 'step', epoch: 1, step: 1 }, { kind: 'step', epoch: 1, step: 2 }, { kind: 'epoch', epoch: 1, step: 2 },
    { kind: 'step', epoch: 2, step: 3 }, { kind: 'step', epoch: 2, step: 4 }, { kind: 'epoch', epoch: 2, step: 4 },
    { kind: 'step', epoch: 3, step: 5 },
  ];
  fs.writeFileSync(run.metricsPath, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"kind":"step","epo`);
  // Checkpoint after step 3 (epoch 2 in progress, 0-based epoch 1): everything later goes, and the half line.
  assert.equal(run.truncateMetricsTo({ globalStep: 3, epoch: 1 }), 4);
  const kept = fs.readFileSync(run.metricsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(kept, lines.slice(0, 5));
});

// ── Child processes: signals, kill -9, resume ──

const TRAIN = ['train', '--data', 'generated', '--train-limit', '300', '--test-limit', '50', '--batch', '10', '--workers', '2',
  '--net', 'conv3x3x4p1-relu-pool2-fc10-softmax', '--epochs', '5', '--log-every', '1', '--no-report', '--json'];
// 300 / 10 → 30 steps per epoch, 150 steps in all.

/** Starts a training in the background; `exit` resolves with its code, signal and output. */
function startTraining(out: string): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, cliArgs([...TRAIN, '--out', out]), { cwd: scratch, env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })); // 'close': output drained
  });
  return { child, exit };
}

/** Step numbers logged in a run's metrics.jsonl (a half-written last line is ignored). */
function loggedSteps(folder: string): number[] {
  if (!fs.existsSync(path.join(folder, 'metrics.jsonl'))) return [];
  return fs.readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8').split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return entry.kind === 'step' ? [entry.step as number] : [];
    } catch {
      return [];
    }
  });
}

async function waitForStep(folder: string, step: number, exit: Promise<unknown>): Promise<void> {
  let ended = false;
  void exit.then(() => { ended = true; });
  while (!loggedSteps(folder).some((s) => s >= step)) {
    assert.ok(!ended, `the training ended before step ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const weightsOf = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8')).layers;

function metricsOf(folder: string): { kind: string; step: number; epoch: number }[] {
  return fs.readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

let reference: ReturnType<typeof weightsOf> | undefined;
/** The uninterrupted run, trained once and shared. */
function referenceWeights(): ReturnType<typeof weightsOf> {
  if (!reference) {
    const out = path.join(scratch, 'reference');
    const run = cli(...TRAIN, '--out', out);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fs.existsSync(path.join(out, LOCK_FILE_NAME)), false, 'the lock is removed at the end');
    reference = weightsOf(out);
  }
  return reference;
}

test('SIGTERM: a second training on the folder is refused while the first lives; the first stops after a step with a checkpoint, exit 143, lock removed; --resume ends bit-identical', async () => {
  const out = path.join(scratch, 'signalled');
  const first = startTraining(out);
  await waitForStep(out, 40, first.exit);
  const holder = JSON.parse(fs.readFileSync(path.join(out, LOCK_FILE_NAME), 'utf8'));
  assert.equal(holder.pid, first.child.pid);

  // Paused (SIGSTOP), the first training is alive but cannot finish while the second one tries the folder.
  first.child.kill('SIGSTOP');
  const second = cli(...TRAIN, '--out', out);
  assert.equal(second.code, EXIT_CODES.locked);
  assertOneLine(second.stderr, new RegExp(`^RunFolderBusyError: ${out}: the run folder is in use by process ${first.child.pid} `));

  first.child.kill('SIGTERM'); // pending until the process continues
  first.child.kill('SIGCONT');
  const stopped = await first.exit;
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.match(stopped.stderr, /^SIGTERM: stopping at the end of the current step/m);
  assert.match(stopped.stderr, /TrainingInterruptedError: stopped by SIGTERM in epoch \d\/5 after step (\d+) .*checkpoint written to .*continue with: .*--resume/);
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE_NAME)), false, 'the lock is removed on a signal');
  const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'));
  const lastLogged = Math.max(...loggedSteps(out));
  assert.equal(checkpoint.globalStep, lastLogged, 'the checkpoint is at the last step that ran');
  assert.ok(checkpoint.globalStep >= 40 && checkpoint.globalStep < 150);
  assert.ok(checkpoint.stepInEpoch > 0 || checkpoint.globalStep % 30 === 0);

  const resumed = cli('train', '--resume', out, '--json');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(weightsOf(out), referenceWeights(), 'interrupted + resumed weights differ from the uninterrupted run');
  const metrics = metricsOf(out);
  assert.deepEqual(metrics.filter((l) => l.kind === 'step').map((l) => l.step), Array.from({ length: 150 }, (_, i) => i + 1));
  assert.deepEqual(metrics.filter((l) => l.kind === 'epoch').map((l) => l.epoch), [1, 2, 3, 4, 5]);
});

test('kill -9 mid-epoch: the next --resume recovers the stale lock, removes the leftovers, cuts metrics back — no step or epoch logged twice — and ends bit-identical', async () => {
  const out = path.join(scratch, 'killed');
  const first = startTraining(out);
  await waitForStep(out, 45, first.exit); // epoch 2 is steps 31..60; its checkpoint was taken after step 30
  first.child.kill('SIGKILL');
  const killed = await first.exit;
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(fs.existsSync(path.join(out, LOCK_FILE_NAME)), 'a kill -9 leaves its lock behind');
  const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'));
  assert.ok(Math.max(...loggedSteps(out)) > checkpoint.globalStep, 'steps after the checkpoint were logged');
  // What a kill in the middle of a checkpoint write leaves: its temporary file.
  const leftover = `.checkpoint.json.${first.child.pid}.0123456789ab.tmp`;
  fs.writeFileSync(path.join(out, leftover), '{"format":"convnet-ts-chec');

  const resumed = cli('train', '--resume', out);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`note: .*removed the stale lock of process ${first.child.pid} `));
  assert.match(resumed.stdout, /note: .*removed 1 temporary file\(s\) of interrupted writes/);
  assert.match(resumed.stdout, /metrics line\(s\) logged after the checkpoint removed/);
  assert.deepEqual(fs.readdirSync(out).filter((name) => name.endsWith('.tmp') || name === LOCK_FILE_NAME), []);
  const metrics = metricsOf(out);
  assert.deepEqual(metrics.filter((l) => l.kind === 'step').map((l) => l.step), Array.from({ length: 150 }, (_, i) => i + 1));
  assert.deepEqual(metrics.filter((l) => l.kind === 'epoch').map((l) => l.epoch), [1, 2, 3, 4, 5]);
  assert.deepEqual(weightsOf(out), referenceWeights());
});

test('--out on a file or below a file: one line naming the path, exit 6; a diverging run exits 5 with the bound or the value', () => {
  const file = path.join(scratch, 'in-the-way');
  fs.writeFileSync(file, 'x');
  for (const out of [file, path.join(file, 'run')]) {
    const run = cli('train', '--data', 'generated', '--out', out);
    assert.equal(run.code, EXIT_CODES.fileSystem);
    assertOneLine(run.stderr, new RegExp(`^RunFolderError: ${out}: cannot create the run folder: .*\\((EEXIST|ENOTDIR)\\)$`));
  }
  const out = path.join(scratch, 'diverged');
  const diverged = cli('train', '--data', 'generated', '--train-limit', '300', '--test-limit', '50', '--batch', '25', '--workers', '1',
    '--optimizer', 'sgd', '--lr', '1e6', '--epochs', '3', '--out', out);
  assert.equal(diverged.code, EXIT_CODES.diverged, diverged.stderr);
  assertOneLine(diverged.stderr, /^TrainingDivergedError: training diverged at epoch 1, step \d+: loss (is NaN|is Infinity|.* exceeds the bound .* = 50 × )/);
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE_NAME)), false, 'the lock is removed after an error');
  const zero = cli('train', '--data', 'generated', '--divergence-factor', '0', '--out', path.join(scratch, 'zero'));
  assert.equal(zero.code, EXIT_CODES.config);
  assert.match(zero.stderr, /--divergence-factor: 0 would stop every run.*use 'off'/);
});

test('a second signal quits at once with the signal\'s code; the lock is still removed and the last checkpoint stays', async () => {
  assert.equal(signalExitCode('SIGINT'), 130);
  assert.equal(signalExitCode('SIGTERM'), 143);
  const out = path.join(scratch, 'twice');
  const first = startTraining(out);
  await waitForStep(out, 35, first.exit);
  // Both signals wait while the process is paused and arrive together when it continues.
  first.child.kill('SIGSTOP');
  first.child.kill('SIGINT');
  first.child.kill('SIGTERM');
  first.child.kill('SIGCONT');
  const stopped = await first.exit;
  assert.match(stopped.stderr, /^SIG(INT|TERM): stopping at the end of the current step/m);
  assert.match(stopped.stderr, /^SIG(INT|TERM) again: quitting now; the last checkpoint written stays/m);
  assert.ok(stopped.code === 130 || stopped.code === 143, `exit code ${stopped.code}`);
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE_NAME)), false, 'the lock is removed on a forced exit too');
  const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'));
  assert.ok(checkpoint.globalStep >= 30, 'the checkpoint of epoch 1 (or a later one) is there to resume from');
});
