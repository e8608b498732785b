/**
 * What reaches the top of the command line: one line and the class's exit code for anticipated
 * errors (the codes of EXIT_CODES), one line naming the path for node:fs errors, the stack for bugs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DataError, EXIT_CODES, ShapeError } from '../../src/errors.ts';
import { describeTopLevelError } from '../../src/cli/top-level-error.ts';
import { TrainingDivergedError } from '../../src/train/trainer.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-top-level-'));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args], {
    cwd: scratch, encoding: 'utf8', env: { ...process.env, CIFAR10_PATH: '' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test('the exit codes are distinct and the documented ones', () => {
  assert.deepEqual(
    { ...EXIT_CODES },
    { success: 0, failed: 1, config: 2, data: 3, shape: 4, diverged: 5, fileSystem: 6, locked: 7, internal: 70, interrupted: 130, terminated: 143 },
  );
});

test('anticipated errors are one line with their class\'s exit code; any class carrying an exitCode plugs in', () => {
  assert.deepEqual(describeTopLevelError(new ConfigError('--lr: bad')), { text: 'ConfigError: --lr: bad', exitCode: 2 });
  assert.deepEqual(describeTopLevelError(new DataError('m.json: bad\n  second line')), { text: 'DataError: m.json: bad second line', exitCode: 3 });
  assert.deepEqual(describeTopLevelError(new ShapeError('conv1: bad')), { text: 'ShapeError: conv1: bad', exitCode: 4 });
  assert.deepEqual(describeTopLevelError(new TrainingDivergedError('loss NaN at step 3')), { text: 'TrainingDivergedError: loss NaN at step 3', exitCode: 5 });
  class RunLockedError extends Error {
    override readonly name = 'RunLockedError';
    readonly exitCode = EXIT_CODES.locked;
  }
  assert.deepEqual(describeTopLevelError(new RunLockedError('runs/a is in use by pid 12')), { text: 'RunLockedError: runs/a is in use by pid 12', exitCode: 7 });
});

test('node:fs errors become one line naming the path; anything else is a bug shown with its stack', () => {
  const file = path.join(scratch, 'a-file');
  fs.writeFileSync(file, 'x');
  const cases: Array<[() => void, RegExp]> = [
    [() => fs.readFileSync(path.join(scratch, 'missing.json')), /^FileSystemError: cannot open '.*missing\.json': no such file or folder \(ENOENT\)$/],
    [() => fs.mkdirSync(path.join(file, 'sub'), { recursive: true }), /^FileSystemError: cannot mkdir '.*a-file\/sub': a part of the path is a file, not a folder \(ENOTDIR\)$/],
    [() => fs.mkdirSync(file), /^FileSystemError: cannot mkdir '.*a-file': it already exists .*\(EEXIST\)$/],
  ];
  for (const [fail, expected] of cases) {
    let thrown: unknown;
    try {
      fail();
    } catch (error) {
      thrown = error;
    }
    const report = describeTopLevelError(thrown);
    assert.match(report.text, expected);
    assert.equal(report.exitCode, EXIT_CODES.fileSystem);
  }
  const bug = describeTopLevelError(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.equal(bug.exitCode, EXIT_CODES.internal);
  assert.match(bug.text, /^TypeError: Cannot read properties of undefined[^\n]*\n\s+at /);
  assert.match(bug.text, /this is a bug in convnet-ts/);
});

test('--version prints package.json\'s version; an unknown command gets "did you mean" and exit code 2', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const run = cli(flag);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), version);
  }
  const typo = cli('trian', '--epochs', '1');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^ConfigError: unknown command 'trian' \(did you mean 'train'\?\); commands: start, linear, train/);
  assert.equal(typo.stderr.trim().split('\n').length, 1);
  const help = cli('--help');
  assert.match(help.stdout, /exit codes:\n\s+0  done\n\s+1 .*\n\s+2  usage or configuration \(ConfigError\)/);
});

test('the CLI prints each anticipated error as one line, no stack, with its exit code', () => {
  const probes: Array<[string[], number, RegExp]> = [
    [['train', '--lr', 'abc'], 2, /^ConfigError: --lr: expected a number > 0, got 'abc'$/],
    [['train', '--seed', '-1'], 2, /^ConfigError: train: Option '--seed' argument is ambiguous\. .*'--seed=-XYZ'\./],
    [['summary', '--net', 'softmax'], 2, /^ConfigError: softmax1 \(layer 2, softmax\): the loss layer needs a vector/],
    [['eval', '--model', path.join(scratch, 'none.json')], 3, /^DataError: .*none\.json: cannot read \(ENOENT\)$/],
    [['summary', '--input', '3x7x7', '--net', 'conv3x3x4s3-relu-fc10-softmax'], 4, /^ShapeError: conv1: cannot apply a 3x3 filter to a 7x7 input/],
    [['train', '--data', 'generated', '--train-limit', '20', '--test-limit', '10', '--workers', '1', '--net', 'fc10-softmax', '--out', path.join(scratch, 'a-file', 'run')],
      6, /^RunFolderError: .*a-file\/run: cannot create the run folder: a part of the path is a file, not a folder \(ENOTDIR\)$/],
  ];
  fs.writeFileSync(path.join(scratch, 'a-file'), 'x');
  for (const [args, code, line] of probes) {
    const run = cli(...args);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, `${args.join(' ')} prints one line: ${run.stderr}`);
    assert.match(run.stderr.trim(), line);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  }
});
