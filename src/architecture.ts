/**
 * The layer order of the library, written once: every folder of src/ (and every file directly in
 * src/) has a place in it, and a module may import only from its own folder and from the levels
 * BELOW its own. Folders on the same level are independent: neither imports the other.
 *
 * spec/architecture/layering.spec.ts reads this list and fails when a module imports upward or
 * sideways, when a folder is missing from the list (a new folder must be placed here), on any import
 * cycle between files, and when src/ imports spec/ or a package. The README's Architecture diagram is
 * `drawLayerDiagram()` printed, and the same spec checks that it is.
 *
 * Why this order (top first, as drawn):
 * - tensor/ and io/ are the floor: Tensor, Parameter, ForwardMode, Rng, argmax; PNG, tar, atomic files.
 * - kernels/ are pure loops over Float32Array; kernels/engines/ (asm.js, WebAssembly SIMD and their
 *   assembler) sit under them: the fast paths of kernels/ pick a tier from there, while the reference
 *   loops a reader follows import nothing from engines/.
 * - parallel/ runs kernels by name, so it sits above them (the registry lives in kernels/).
 * - losses, regularizers and update rules need only tensors; the gate graph builds its loss gates on
 *   the losses, and the sigmoid layer shares the graph's numerically safe σ — hence graph/ between.
 * - data/ runs a convolution kernel for patch whitening, so it sits above kernels/.
 * - nn/ assembles layers into nets, model files and the gradient check; train/ drives nn/ over data/;
 *   explain/ (what a trained net learned: occlusion, saliency, …) reads nn/ over data/ too, beside train/.
 * - formats/ converts model files to and from other frameworks' formats (ONNX); it builds nets with nn/.
 * - index.ts and node.ts are the public API; examples/ use only that API; the browser pages (web/)
 *   sit beside them, portable; so does vectors/ (the port kit: spec vectors made and checked through
 *   the public API, loadable in a browser); the demo server (web-server/) serves them to the `demo` command.
 */

/** One level of the diagram: the folders ('layers/') and root files ('index.ts') on it, and their role. */
export interface ArchitectureLevel {
  readonly modules: readonly string[];
  readonly role: string;
}

/** Top first: a module may import from levels further down this list, never up or across. */
export const LAYER_ORDER: readonly ArchitectureLevel[] = [
  { modules: ['cli.ts'], role: 'the command line: parses the command name, loads its module (Node)' },
  { modules: ['bench/'], role: 'GEMM / convolution / pooling benchmarks (uses cli/ for options)' },
  { modules: ['cli/'], role: 'commands: start, linear, train, eval, predict, fold, gradcheck, report, explain, download, demo, vectors (Node)' },
  { modules: ['web-server/'], role: 'the demo server: pages, built JS, dataset batches, COOP/COEP (Node)' },
  { modules: ['examples/', 'web/', 'vectors/'], role: 'runnable examples (public API only); browser pages and their Web Worker executor; the port kit\'s vector generator and runner' },
  { modules: ['node.ts'], role: 'public API for Node: index.ts + files, dataset loaders, worker pool' },
  { modules: ['index.ts'], role: 'public API, portable core (no node:* imports)' },
  { modules: ['formats/'], role: 'models in and out: protobuf wire format, ONNX export and import, ConvNetJS import' },
  { modules: ['train/', 'explain/'], role: 'Trainer, minibatch steps, augmentation, evaluation; occlusion, top patches, saliency, class models, t-SNE' },
  { modules: ['nn/'], role: 'Net, linear classifier, definitions, buildNet, model files, gradient check' },
  { modules: ['layers/', 'data/', 'viz/'], role: 'one file per layer; datasets + whitening; charts, grids, report' },
  { modules: ['graph/'], role: 'gates (elementwise, matrix, loss, penalty) and backprop in topological order' },
  { modules: ['losses/', 'regularizers/', 'optim/'], role: 'SVM, softmax, squared error; L1/L2/elastic net; update rules' },
  { modules: ['parallel/'], role: 'Executor: serial (portable) and worker pool (Node)' },
  { modules: ['kernels/'], role: 'reference loops over Float32Array: gemm, im2col, conv, pooling, relu, batch norm' },
  { modules: ['kernels/engines/'], role: 'engine tiers of the innermost loops: asm.js, WebAssembly SIMD' },
  { modules: ['tensor/', 'io/'], role: 'Tensor (NCHW), Parameter, ForwardMode, Rng, argmax; PNG, tar, atomic writes' },
  { modules: ['errors.ts', 'architecture.ts'], role: 'error types; this order' },
];

/** The README's Architecture diagram: one line per level, top first. */
export function drawLayerDiagram(order: readonly ArchitectureLevel[] = LAYER_ORDER): string {
  const width = Math.max(...order.map((level) => level.modules.join(' ').length)) + 3;
  return order.map((level) => `${level.modules.join(' ').padEnd(width)}${level.role}`).join('\n');
}
