/**
 * `import`: converts a model written by another framework into a convnet-ts model file.
 *
 *   npx tsx src/cli.ts import --from onnx model.onnx --out runs/imported/model.json
 *   npx tsx src/cli.ts import --from convnetjs net.json --out runs/convnetjs/model.json
 *
 * One function per format turns the file into a ModelFile (src/formats/); this command reads the
 * file, dispatches on --from, and writes the result atomically (nothing is left at --out on failure).
 */
import * as path from 'node:path';
import { ConfigError } from '../errors.ts';
import { importConvnetjs } from '../formats/convnetjs-import.ts';
import { importOnnx } from '../formats/onnx-import.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import type { ModelFile } from '../nn/model-file.ts';
import { parseOptions } from './args.ts';
import { readBytes, readJsonFile, toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Convert an ONNX or ConvNetJS model into a convnet-ts model.json. Usage: import --from onnx|convnetjs <file> --out <model.json>';

/** The formats `--from` accepts, each a function from the file's path to a model file. */
const IMPORTERS: Record<string, (file: string) => ModelFile> = {
  onnx: (file) => importOnnx(readBytes(file), file),
  convnetjs: (file) => importConvnetjs(readJsonFile(file), file),
};

const OPTIONS = {
  from: { type: 'string', value: '<format>', help: 'the file\'s format (required)', choices: Object.keys(IMPORTERS) },
  out: { type: 'string', value: '<model.json>', help: 'where to write the model file (required)' },
  json: { type: 'boolean', help: 'print one JSON line' },
} as const;

export async function importCommand(argv: string[]): Promise<number> {
  const positional: string[] = [];
  const options = parseOptions('import', DESCRIPTION, OPTIONS, argv, positional);
  if (!options) return 0;
  if (!options.from) throw new ConfigError(`import: --from <format> is required (${Object.keys(IMPORTERS).join(' or ')})`);
  if (!options.out) throw new ConfigError('import: --out <model.json> is required');
  if (positional.length !== 1) throw new ConfigError(`import: give exactly one file to convert, got ${positional.length}`);
  const [file] = positional;
  if (path.resolve(options.out) === path.resolve(file)) throw new ConfigError(`import: --out ${options.out} is the file being imported; write the model file elsewhere`);
  const model = IMPORTERS[options.from](file);
  writeFileAtomicSync(options.out, toJsonLine(model));
  const kinds = model.definition.slice(1).map((layer) => layer.type).join('-');
  if (options.json) {
    console.log(toJsonLine({ from: options.from, file, out: options.out, inputShape: model.inputShape, layers: kinds, preprocessing: model.preprocessing !== undefined }));
  } else {
    console.log(`imported ${file} (${options.from}) → ${options.out}: input (${model.inputShape.join(', ')}), ${kinds}${model.preprocessing ? ', with preprocessing' : ''}`);
  }
  return 0;
}
