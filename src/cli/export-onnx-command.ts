/**
 * `export-onnx`: writes a saved model as an ONNX file (src/formats/onnx-export.ts says what is written).
 *
 *   npx tsx src/cli.ts export-onnx --model runs/cifar10 --out cifar10.onnx
 *
 * The graph takes raw 0..255 pixels (N, C, H, W) float32 as `input` — the model file's preprocessing
 * is inside it — and gives `probabilities` (softmax) or `scores` (SVM). The file is written
 * atomically: on any failure nothing is left at --out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors.ts';
import { exportOnnx } from '../formats/onnx-export.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { parseOptions } from './args.ts';
import { loadModel } from './model-loading.ts';
import { toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Write a saved model as ONNX (opset 13): raw 0..255 NCHW float32 `input` → `probabilities` (or `scores`).';

const OPTIONS = {
  model: { type: 'string', value: '<file|dir>', help: 'model.json or a run folder (required)' },
  out: { type: 'string', value: '<file.onnx>', help: 'where to write the ONNX model (required)' },
  json: { type: 'boolean', help: 'print one JSON line' },
} as const;

/** The version in package.json, recorded as the ONNX producer_version. */
function libraryVersion(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function exportOnnxCommand(argv: string[]): Promise<number> {
  const options = parseOptions('export-onnx', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  if (!options.model) throw new ConfigError('export-onnx: --model <model.json|run folder> is required');
  if (!options.out) throw new ConfigError('export-onnx: --out <file.onnx> is required');
  const { net, file, source } = loadModel(options.model);
  if (path.resolve(options.out) === path.resolve(source)) throw new ConfigError(`export-onnx: --out ${options.out} is the model file itself; write the ONNX model to another file`);
  const bytes = exportOnnx(net, file, libraryVersion());
  writeFileAtomicSync(options.out, bytes);
  const output = net.loss === 'softmax' ? 'probabilities' : 'scores';
  if (options.json) {
    console.log(toJsonLine({ model: source, out: options.out, bytes: bytes.length, input: ['N', ...net.inputShape], output: [output, 'N', net.classes] }));
  } else {
    console.log(`wrote ${options.out} (${bytes.length} bytes, ONNX opset 13): input (N, ${net.inputShape.join(', ')}) raw 0..255 → ${output} (N, ${net.classes})`);
  }
  return 0;
}
