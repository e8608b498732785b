/**
 * A network exported by PyTorch itself imports and gives PyTorch's outputs to 1e-5. The .onnx files
 * are written at spec time by spec/formats/pytorch-fixture.py with Debian's python3-torch
 * (`apt-get install python3-torch`, /usr/bin/python3); without it the spec skips and says why.
 * Nothing binary is committed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../../src/formats/onnx-import.ts';
import { INFERENCE } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { loadWeightsInto, validateModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const PYTHON = '/usr/bin/python3';
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch-fixture.py');

/** Why torch cannot be used here, or false when `import torch` works. */
function torchMissing(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `PyTorch is not importable by ${PYTHON} (apt-get install python3-torch to run this spec)`;
}

// The `import torch` probe (a CPU-second and more) runs only when the fixture script fails, to tell a
// missing torch (skip, saying why) from a failing script (fail); when torch is there, it is imported once.
test('networks exported by torch.onnx.export (view + Softmax; Flatten + raw scores) import and match PyTorch to 1e-5', {
  skip: fs.existsSync(PYTHON) ? false : `${PYTHON} not found (install python3-torch to run this spec)`,
}, (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-torch-'));
  const run = spawnSync(PYTHON, [script, folder], { encoding: 'utf8', timeout: 300_000 });
  const missing = run.status === 0 ? false : torchMissing();
  if (missing) {
    fs.rmSync(folder, { recursive: true, force: true });
    t.skip(missing);
    return;
  }
  assert.equal(run.status, 0, `pytorch-fixture.py failed: ${run.stderr}`);
  for (const [name, head] of [['view-softmax', 'softmax'], ['flatten-scores', 'svm']] as const) {
    const onnxFile = path.join(folder, `${name}.onnx`);
    const expected = JSON.parse(fs.readFileSync(path.join(folder, `${name}.json`), 'utf8')) as { input: number[]; output: number[] };
    const file = validateModelFile(JSON.parse(JSON.stringify(importOnnx(fs.readFileSync(onnxFile), onnxFile))), onnxFile);
    assert.deepEqual(file.definition.map((l) => l.type), [
      'input', 'conv', 'relu', 'pool', 'conv', 'tanh', 'pool', 'fc', 'batchnorm', 'leaky-relu', 'fc', head,
    ], `${name}: PyTorch fuses Conv + BatchNorm2d at export, so the first batchnorm is inside conv1`);
    const net = buildNet(file.definition, new Rng(0));
    loadWeightsInto(net, file, onnxFile);
    const input = Tensor.zeros([3, 3, 8, 8]);
    input.data.set(expected.input);
    const output = net.forward(input, INFERENCE).data;
    assert.equal(output.length, expected.output.length);
    for (let i = 0; i < output.length; i++) {
      assert.ok(Math.abs(output[i] - expected.output[i]) <= 1e-5, `${name} output ${i}: ours ${output[i]} vs PyTorch ${expected.output[i]}`);
    }
  }
  fs.rmSync(folder, { recursive: true, force: true });
});
