/**
 * Every option is checked before any work: each probe below runs a command in-process and expects the
 * exact error class and a fragment of its message. Where the order matters, the probe also names a
 * dataset or model that does not exist: had the command loaded it first, the error would be about
 * the missing path (a ConfigError about --data, or a DataError about the model file), and the
 * message fragment about the option would not be found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DataError } from '../../src/errors.ts';
import { encodePng } from '../../src/io/png.ts';
import { checkOptionValue, numberOption, parseOptions } from '../../src/cli/args.ts';
import { closestName, editDistance } from '../../src/cli/did-you-mean.ts';
import { trainCommand } from '../../src/cli/train-command.ts';
import { linearCommand } from '../../src/cli/linear-command.ts';
import { evalCommand } from '../../src/cli/eval-command.ts';
import { predictCommand } from '../../src/cli/predict-command.ts';
import { gradcheckCommand } from '../../src/cli/gradcheck-command.ts';
import { foldCommand } from '../../src/cli/fold-command.ts';
import { startCommand } from '../../src/cli/start-command.ts';
import { summaryCommand } from '../../src/cli/summary-command.ts';
import { reportCommand } from '../../src/cli/report-command.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { netToModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-options-'));
const nowhere = path.join(scratch, 'no-such-dataset');

/** Asserts that `run` rejects with exactly a ConfigError whose message contains `fragment`. */
async function refused(run: () => Promise<unknown>, fragment: string | RegExp): Promise<void> {
  await assert.rejects(run, (error: Error) => {
    assert.equal(error.constructor, ConfigError, `expected a ConfigError, got ${error.name}: ${error.message}`);
    if (typeof fragment === 'string') assert.ok(error.message.includes(fragment), `'${error.message}' should contain '${fragment}'`);
    else assert.match(error.message, fragment);
    return true;
  });
}

test('edit distance counts insertions, deletions, substitutions and swaps of neighbours; closestName stays plausible', () => {
  assert.equal(editDistance('train', 'train'), 0);
  assert.equal(editDistance('trian', 'train'), 1);
  assert.equal(editDistance('tran', 'train'), 1);
  assert.equal(editDistance('trainn', 'train'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closestName('trian', ['start', 'train', 'eval']), 'train');
  assert.equal(closestName('epoch', ['epochs', 'batch']), 'epochs');
  assert.equal(closestName('fly', ['start', 'train', 'fold']), undefined);
});

test('unknown options get "did you mean", a repeated option is refused, and both before anything runs', async () => {
  const specs = { epochs: { type: 'string', help: '' }, batch: { type: 'string', help: '' } } as const;
  assert.throws(() => parseOptions('x', '', specs, ['--epoch', '3']), (e: Error) => e instanceof ConfigError && /unknown option '--epoch' \(did you mean '--epochs'\?\)/.test(e.message));
  assert.throws(() => parseOptions('x', '', specs, ['--colour=red']), (e: Error) => e instanceof ConfigError && /unknown option '--colour' \('npx tsx src\/cli\.ts x --help'/.test(e.message));
  assert.throws(() => parseOptions('x', '', specs, ['--batch', '2', '--batch=3']), /--batch is given twice/);
  // A value that looks like an option is the value of the string option before it, not an option.
  assert.equal(parseOptions('x', '', specs, ['--epochs=3', '--batch', '4'])?.batch, '4');
  await refused(() => trainCommand(['--data', nowhere, '--epoch', '3']), "unknown option '--epoch' (did you mean '--epochs'?)");
});

test('number rules: integers, inclusive and exclusive bounds, and a hint', () => {
  assert.equal(numberOption('lr', '0.5', { above: 0 }), 0.5);
  assert.throws(() => numberOption('lr', '0', { above: 0 }), /--lr: expected a number > 0, got '0'/);
  assert.throws(() => numberOption('top', '2.5', { integer: true, min: 1 }), /--top: expected an integer ≥ 1, got '2\.5'/);
  assert.throws(() => numberOption('momentum', '1', { min: 0, below: 1 }), /--momentum: expected a number ≥ 0 and < 1, got '1'/);
  assert.throws(() => numberOption('s', '', {}), /--s: expected a number, got ''/);
  assert.throws(() => numberOption('s', 'Infinity', {}), /got 'Infinity'/);
  assert.throws(() => numberOption('max-seconds', '0', { above: 0, hint: 'omit it' }), /got '0' \(omit it\)/);
  assert.throws(() => checkOptionValue('optimizer', { type: 'string', help: '', choices: ['sgd', 'adam'] }, 'adma'), /expected one of sgd, adam; got 'adma' \(did you mean 'adam'\?\)/);
});

test('train: every option is refused before the dataset is loaded', async () => {
  const probes: Array<[string[], string]> = [
    [['--lr', 'abc'], "--lr: expected a number > 0, got 'abc'"],
    [['--lr', '0'], "--lr: expected a number > 0, got '0'"],
    [['--seed', 'abc'], "--seed: expected an integer ≥ 0 and ≤ 4294967295, got 'abc'"],
    [['--seed=-1'], "--seed: expected an integer ≥ 0"],
    [['--max-seconds', '0'], "--max-seconds: expected a number > 0, got '0' (omit --max-seconds for no time limit)"],
    [['--max-steps', '0'], "--max-steps: expected an integer ≥ 1, got '0'"],
    [['--epochs', '1.5'], "--epochs: expected an integer ≥ 1, got '1.5'"],
    [['--batch', '0'], "--batch: expected an integer ≥ 1, got '0'"],
    [['--workers', '65'], "--workers: expected an integer ≥ 1 and ≤ 64, got '65'"],
    [['--reg=-1'], "--reg: expected a number ≥ 0, got '-1'"],
    [['--validation=-1'], "--validation: expected an integer ≥ 0, got '-1'"],
    [['--train-limit', '0'], "--train-limit: expected an integer ≥ 1"],
    [['--test-limit', 'x'], "--test-limit: expected an integer ≥ 1"],
    [['--eval-limit', '0'], "--eval-limit: expected an integer ≥ 1"],
    [['--log-every', '0'], "--log-every: expected an integer ≥ 1"],
    [['--warmup=-1'], "--warmup: expected a number ≥ 0"],
    [['--weight-decay=-0.1', '--optimizer', 'adamw'], "--weight-decay: expected a number ≥ 0"],
    [['--momentum', '1', '--optimizer', 'momentum'], "--momentum: expected a number ≥ 0 and < 1, got '1'"],
    [['--optimizer', 'adm'], "--optimizer: expected one of sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw; got 'adm' (did you mean 'adam'?)"],
    [['--schedule', 'cosin'], "--schedule: expected one of constant, cosine, step, exponential; got 'cosin' (did you mean 'cosine'?)"],
    [['--augment', 'shift'], "--augment: cannot read 'shift'"],
    [['--augment', 'shift0'], "--augment: 'shift0' shifts by 0 pixels"],
    [['--augment', 'flip,shift1,shift2'], "--augment: 'shift' appears twice"],
    [['--whiten', '4'], '--whiten: the patch size must be odd'],
    [['--whiten', 'zca'], "--whiten: expected an integer ≥ 1, got 'zca'"],
    [['--whiten', '5', '--whiten-epsilon', '0'], "--whiten-epsilon: expected a number > 0, got '0'"],
    [['--whiten-epsilon', '0.2'], '--whiten-epsilon is the ε of patch whitening; give --whiten <k> too'],
    [['--net', 'conv3x3x4-lstm-softmax'], "cannot read layer 2 'lstm'"],
    [['--net', '[{"type":"fc"}]'], "'units' must be a positive integer"],
    // Options that make no sense for the chosen rule are refused, not ignored.
    [['--optimizer', 'adam', '--momentum', '0.9'], "--momentum is the μ of the 'momentum' and 'nesterov' rules; 'adam' has none"],
    [['--optimizer', 'rmsprop', '--momentum', '0.5'], "'rmsprop' has none"],
    [['--optimizer', 'sgd', '--weight-decay', '0.01'], "--weight-decay is AdamW's decoupled decay; 'sgd' takes an L2 penalty"],
    [['--warmup', '5', '--epochs', '2'], '--warmup 5 is longer than the 2 epochs of the run'],
  ];
  for (const [args, fragment] of probes) {
    await refused(() => trainCommand(['--data', nowhere, '--out', path.join(scratch, 'never'), ...args]), fragment);
  }
  assert.equal(fs.existsSync(path.join(scratch, 'never')), false, 'no run folder was created');
});

test('train: what depends on the data is refused once it is known, before the run folder or training starts', async () => {
  const out = path.join(scratch, 'data-checks');
  const common = ['--data', 'generated', '--train-limit', '40', '--test-limit', '20', '--workers', '1', '--out', out, '--json', '--no-report'];
  await refused(() => trainCommand([...common, '--augment', 'shift1000']), "--augment: shift1000 would move a 32×32 image of 'generated-train' out of its frame; a shift must be smaller than 32 pixels");
  await refused(() => trainCommand([...common, '--augment', 'flip,shift32']), 'a shift must be smaller than 32 pixels');
  await refused(() => trainCommand([...common, '--net', 'fc5-softmax']), "--net: the network scores 5 classes but 'generated-train' has 10");
  await refused(() => trainCommand([...common, '--net', 'softmax']), 'softmax1 (layer 2, softmax): the loss layer needs a vector of at least 2 class scores per example, got (3, 32, 32)');
  await refused(() => trainCommand([...common, '--net', 'conv3x3x1000000000-fc10-softmax']), 'conv1 (layer 2, conv): weights (1000000000, 3, 3, 3) would hold 27,000,000,000 values');
  assert.equal(fs.existsSync(out), false, 'no run folder was created');
});

test('summary accepts exactly what train accepts: the same path, the same message', async () => {
  await refused(() => summaryCommand(['--net', 'softmax']), 'softmax1 (layer 2, softmax): the loss layer needs a vector of at least 2 class scores per example, got (3, 32, 32)');
  await refused(() => summaryCommand(['--net', 'fc1-softmax']), 'got (1)');
  await refused(() => summaryCommand(['--net', 'conv3x3x4p100000-fc10-softmax']), 'conv1 (layer 2, conv): output (4, 200030, 200030) would hold 160,048,003,600 values (640,192,014,400 bytes as float32)');
  await refused(() => summaryCommand(['--input', '3x0x3']), "--input: expected a shape like 3x32x32 or 784, got '3x0x3'");
  await refused(() => summaryCommand(['--model', nowhere, '--net', 'fc10-softmax']), '--model brings its own definition and input shape; leave out --net');
  await refused(() => summaryCommand(['--model', nowhere, '--input', '3x8x8']), 'leave out --input');
  await refused(
    () => summaryCommand(['--input', '3x8x8', '--net', '[{"type":"input","shape":[1,4,4]},{"type":"fc","units":2},{"type":"softmax"}]']),
    "--input 3x8x8 disagrees with the definition's own input layer 1x4x4",
  );
});

test('linear, start, eval, fold, gradcheck, predict and report refuse their bad options before loading anything', async () => {
  const modelNowhere = path.join(scratch, 'no-model.json');
  await refused(() => linearCommand(['--data', nowhere, '--lr', 'abc']), "--lr: expected a number > 0, got 'abc'");
  await refused(() => linearCommand(['--data', nowhere, '--lr-decay', '0']), "--lr-decay: expected a number > 0 and ≤ 1, got '0'");
  await refused(() => linearCommand(['--data', nowhere, '--loss', 'hinge']), "--loss: expected one of svm, softmax; got 'hinge'");
  await refused(() => linearCommand(['--data', nowhere, '--seed', 'x']), '--seed: expected an integer');
  await refused(() => linearCommand(['--data', nowhere, '--train-limit', '0']), '--train-limit: expected an integer ≥ 1');
  await refused(() => startCommand(['--data', nowhere, '--workers', 'abc']), "--workers: expected an integer ≥ 1 and ≤ 64, got 'abc'");
  await refused(() => startCommand(['--data', nowhere, '--seconds', '0']), "--seconds: expected a number ≥ 1, got '0'");
  await refused(() => evalCommand(['--data', nowhere, '--model', modelNowhere, '--limit', '0']), "--limit: expected an integer ≥ 1, got '0'");
  await refused(() => evalCommand(['--data', nowhere]), 'eval: --model <model.json|run folder> is required');
  await refused(() => foldCommand(['--model', modelNowhere, '--limit', '5']), 'fold: --limit counts test images of --data; give --data too');
  await refused(() => gradcheckCommand(['--seed', 'abc']), "--seed: expected an integer ≥ 0 and ≤ 4294967295, got 'abc'");
  await refused(() => predictCommand(['--model', modelNowhere, '--top', 'abc', 'x.png']), "--top: expected an integer ≥ 1, got 'abc'");
  await refused(() => predictCommand(['--model', modelNowhere, '--top=-1', 'x.png']), "--top: expected an integer ≥ 1, got '-1'");
  await refused(() => predictCommand(['--model', modelNowhere, '--top', '0', 'x.png']), "--top: expected an integer ≥ 1, got '0'");
  await refused(() => predictCommand(['--model', modelNowhere]), 'predict: give at least one PNG image file');
  await refused(() => reportCommand([path.join(scratch, 'no-run'), '--image', path.join(scratch, 'no.png')]), "no.png' is not a PNG file that exists");
  await refused(() => reportCommand([]), 'report: expected one run folder, got 0 arguments');
});

test('predict refuses --top larger than the model has classes (after reading the model, before any image); without --top it shows up to 3', async () => {
  const definition = parseCompactDefinition('fc3-softmax', [1, 2, 2]);
  const model = path.join(scratch, 'three-classes.json');
  fs.writeFileSync(model, JSON.stringify(netToModelFile(buildNet(definition, new Rng(1)), definition)));
  const image = path.join(scratch, 'gray.png');
  fs.writeFileSync(image, encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array([0, 64, 128, 255]) }));
  await refused(() => predictCommand(['--model', model, '--top', '4', image]), `--top: 4 classes asked for, but ${model} has 3`);
  // Without --top, a model with fewer than 3 classes shows all of them.
  const twoClasses = path.join(scratch, 'two-classes.json');
  const small = parseCompactDefinition('fc2-softmax', [1, 2, 2]);
  fs.writeFileSync(twoClasses, JSON.stringify(netToModelFile(buildNet(small, new Rng(1)), small, { classNames: ['yes', 'no'] })));
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => void printed.push(line);
  try {
    assert.equal(await predictCommand(['--model', twoClasses, '--json', image]), 0);
  } finally {
    console.log = log;
  }
  assert.deepEqual((JSON.parse(printed[0]!) as { top: Array<{ class: string }> }).top.map((t) => t.class).sort(), ['no', 'yes']);
  await assert.rejects(() => predictCommand(['--model', model, image, path.join(scratch, 'missing.png')]),
    (error: Error) => error instanceof DataError && /predict: '.*missing\.png' is not an image file that exists/.test(error.message));
});

test('fold refuses to write the folded network over the model it folds', async () => {
  const definition = parseCompactDefinition('conv3x3x2p1-bn-relu-fc3-softmax', [1, 4, 4]);
  const model = path.join(scratch, 'with-bn.json');
  const text = JSON.stringify(netToModelFile(buildNet(definition, new Rng(1)), definition));
  fs.writeFileSync(model, text);
  await refused(() => foldCommand(['--model', model, '--out', model]), `fold: --out ${model} is the model being folded`);
  assert.equal(fs.readFileSync(model, 'utf8'), text, 'the model file is untouched');
});
