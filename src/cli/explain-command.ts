/**
 * `explain --model <run|model.json> --data <…>`: pictures of what a trained network learned, written
 * as PNG files and one self-contained explain.html (the report's style and layout, report.ts):
 *
 *   occlusion-<i>.png     p(true class) as a grey square slides over test image i (Zeiler & Fergus)
 *   saliency-<i>.png      |∂ class score / ∂ pixel|, max over channels (Simonyan et al.)
 *   top-patches-<layer>.png  the 9 test patches that excite each chosen unit most, one row per unit
 *   class-models.png      gradient ascent on the image for each class score, with L2 (Simonyan et al.)
 *   tsne.png              the test images placed by t-SNE of the features before the last fc layer
 *   explain.html          all of the above with captions
 *   report.html           with --report: the run's report rewritten with these sections added
 *
 * Each part is computed on its own: a part that cannot be drawn (an image index past the test set, a
 * layer or unit that does not exist, a network without conv layers, a model that does not take the
 * dataset's images) prints one typed line — `explain: top patches: ConfigError: …` — and says so in
 * the page, and the other parts are still written. The exit code is then 1 (a failure reported).
 * Library functions: src/explain/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { channelStatistics, toFloatBatch } from '../data/dataset.ts';
import type { ImageDataset, Normalization } from '../data/dataset.ts';
import { classModels } from '../explain/class-model.ts';
import { classProbabilities } from '../explain/class-scores.ts';
import { occlusionPixelMap, occlusionSensitivity } from '../explain/occlusion.ts';
import { saliencyMap } from '../explain/saliency.ts';
import { topPatches } from '../explain/top-patches.ts';
import type { LayerPatches } from '../explain/top-patches.ts';
import { tsne } from '../explain/tsne.ts';
import { formatSummary } from '../nn/summary.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { encodePng } from '../io/png.ts';
import { INFERENCE } from '../tensor/forward-mode.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { CaptionedPicture } from '../viz/explain-sections.ts';
import { paragraphHtml, pictureRowHtml, problemsHtml } from '../viz/explain-sections.ts';
import { heatMapOverlay } from '../viz/heat-map.ts';
import { imageMap } from '../viz/image-map.ts';
import type { PixelImage, PlanarImage } from '../viz/image-grid.ts';
import { tileImages } from '../viz/image-grid.ts';
import { buildReport } from '../viz/report.ts';
import { SEED_RULE, numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { checkModelFitsData, loadModel } from './model-loading.ts';
import { RunDirectory } from './run-directory.ts';
import { writeRunReport } from './write-report.ts';

const DESCRIPTION =
  'Pictures of what a trained network learned: occlusion maps, saliency maps, top patches per conv unit, class models and a t-SNE map of the test images; PNG files and explain.html.';

const OPTIONS = {
  model: { type: 'string', value: '<run dir|model.json>', help: 'the trained model (required)' },
  data: { type: 'string', value: '<name|path>', help: "cifar10, fashion-mnist, generated or a path (default: the run's own, else auto)" },
  images: { type: 'string', value: '<i,j,…>', default: '0,1,2,3', help: 'test images for the occlusion and saliency maps' },
  out: { type: 'string', value: '<dir>', help: 'output folder (default: <run dir>/explain, or explain/ next to model.json)' },
  layers: { type: 'string', value: '<conv1,…>', help: 'conv layers for top patches (default: every conv layer)' },
  units: { type: 'string', value: '<k,…>', help: 'units (channels) of each of those layers (default: the first 8)' },
  'occlusion-size': { type: 'string', value: '<px>', help: "side of the occluding square (default: a quarter of the image's side)" },
  'occlusion-stride': { type: 'string', value: '<px>', help: 'step of the square (default: half its side)' },
  'patch-images': { type: 'string', value: '<n>', default: '1000', number: { integer: true, min: 1 }, help: 'test images searched for top patches' },
  'tsne-images': { type: 'string', value: '<n>', default: '1000', number: { integer: true, min: 3 }, help: 'test images in the t-SNE map' },
  'tsne-iterations': { type: 'string', value: '<n>', default: '1000', number: { integer: true, min: 1 }, help: 't-SNE iterations' },
  perplexity: { type: 'string', value: '<p>', default: '30', number: { above: 1 }, help: 't-SNE perplexity' },
  'class-steps': { type: 'string', value: '<n>', default: '200', number: { integer: true, min: 1 }, help: 'gradient-ascent steps of the class models' },
  'class-l2': { type: 'string', value: '<λ>', default: '0.01', number: { min: 0 }, help: 'L2 weight λ of the class models' },
  'class-rate': { type: 'string', value: '<η>', default: '1', number: { above: 0 }, help: 'gradient-ascent step η of the class models' },
  jitter: { type: 'string', value: '<px>', default: '2', number: { integer: true, min: 0 }, help: 'class models: random roll of the image per step (0: off)' },
  'blur-every': { type: 'string', value: '<n>', default: '4', number: { integer: true, min: 0 }, help: 'class models: 3×3 Gaussian blur every n steps (0: off)' },
  report: { type: 'boolean', help: "also rewrite the run folder's report.html with these sections (--model must be a run folder)" },
  seed: { type: 'string', value: '<n>', default: '1', number: SEED_RULE, help: 'seed of t-SNE and of the class models’ jitter' },
} as const;

/** "1,2, 3" → [1, 2, 3], each a non-negative integer, or a ConfigError naming the option. */
function integerList(name: string, raw: string): number[] {
  const parts = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) throw new ConfigError(`--${name}: expected a comma-separated list of integers, got '${raw}'`);
  return parts.map((part) => numberOption(name, part, { integer: true, min: 0 }));
}

/** A typed error as the one line the user sees; anything untyped is a bug and goes up. */
function describe(error: unknown): string {
  if (error instanceof ConfigError || error instanceof DataError || error instanceof ShapeError) return `${error.constructor.name}: ${error.message}`;
  throw error;
}

/** Test image `index` as bytes (C, H, W) for drawing; DataError when there is no such image. */
function pictureOf(test: ImageDataset, index: number): PlanarImage {
  if (!Number.isInteger(index) || index < 0 || index >= test.count) {
    throw new DataError(`--images: test image ${index} does not exist; '${test.name}' has images 0..${test.count - 1}`);
  }
  const size = test.channels * test.height * test.width;
  return { channels: test.channels, height: test.height, width: test.width, data: test.pixels.subarray(index * size, (index + 1) * size) };
}

function inputOf(test: ImageDataset, indices: readonly number[], normalization: Normalization): Tensor {
  const input = Tensor.zeros([indices.length, test.channels, test.height, test.width]);
  toFloatBatch(test, indices, input.data, normalization);
  return input;
}

/** Integer upscaling that makes an image about `target` pixels wide. */
function scaleTo(width: number, target: number): number {
  return Math.max(1, Math.round(target / width));
}

/** The picture upscaled and as RGB (for a figure). */
function plainPicture(image: PlanarImage, scale: number): PixelImage {
  return tileImages([image], { scale, padding: 0, normalize: { min: 0, max: 255 } }).image;
}

/**
 * One layer's top patches as one picture: a row per unit, nine patches per row. Every tile is the
 * unit's full receptive field (at most the image); the part of a field that lies outside the image
 * (padding) is drawn grey.
 */
function patchesPicture(layer: LayerPatches, test: ImageDataset): { image: PixelImage; clipped: number } {
  const tileHeight = Math.min(layer.field.size[0], test.height);
  const tileWidth = Math.min(layer.field.size[1], test.width);
  const planeSize = test.height * test.width;
  const tiles: PlanarImage[] = [];
  let clipped = 0;
  const columns = Math.max(...layer.units.map((unit) => unit.hits.length), 1);
  for (const unit of layer.units) {
    for (let h = 0; h < columns; h++) {
      const hit = unit.hits[h];
      const data = new Uint8Array(test.channels * tileHeight * tileWidth).fill(128);
      if (hit) {
        if (hit.box.clipped) clipped++;
        const fieldTop = layer.field.start[0] + hit.y * layer.field.jump[0];
        const fieldLeft = layer.field.start[1] + hit.x * layer.field.jump[1];
        const offsetY = tileHeight === layer.field.size[0] ? hit.box.top - fieldTop : 0;
        const offsetX = tileWidth === layer.field.size[1] ? hit.box.left - fieldLeft : 0;
        for (let c = 0; c < test.channels; c++) {
          for (let y = 0; y < hit.box.height; y++) {
            for (let x = 0; x < hit.box.width; x++) {
              data[(c * tileHeight + offsetY + y) * tileWidth + offsetX + x] =
                test.pixels[(hit.image * test.channels + c) * planeSize + (hit.box.top + y) * test.width + hit.box.left + x];
            }
          }
        }
      }
      tiles.push({ channels: test.channels, height: tileHeight, width: tileWidth, data });
    }
  }
  const grid = tileImages(tiles, { columns, scale: scaleTo(tileWidth, 40), padding: 2, normalize: { min: 0, max: 255 } });
  return { image: grid.image, clipped };
}

interface Section {
  id: string;
  heading: string;
  body: string;
}

export async function explainCommand(argv: string[]): Promise<number> {
  const options = parseOptions('explain', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  if (!options.model) throw new ConfigError('explain: --model <run dir|model.json> is required');
  const imageIndices = integerList('images', options.images ?? '0,1,2,3');
  const layerNames = options.layers?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const units = options.units === undefined ? undefined : integerList('units', options.units);
  const seed = numberOption('seed', options.seed, SEED_RULE);
  const patchImages = numberOption('patch-images', options['patch-images'], { integer: true, min: 1 });
  const tsneImages = numberOption('tsne-images', options['tsne-images'], { integer: true, min: 3 });

  if (options.report && !(fs.existsSync(options.model) && fs.statSync(options.model).isDirectory())) {
    throw new ConfigError(`--report: '${options.model}' is a model file; --report rewrites a run folder's report.html, so give the run folder as --model`);
  }
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const { net, file, source } = loadModel(options.model);
  const modelFolder = fs.statSync(options.model).isDirectory() ? options.model : path.dirname(options.model);
  const out = options.out ?? path.join(modelFolder, 'explain');
  const runJson = path.join(modelFolder, 'run.json');
  const saved = fs.existsSync(runJson) ? (JSON.parse(fs.readFileSync(runJson, 'utf8')) as { data?: string }) : {};
  const dataSpec = options.data ?? saved.data ?? 'auto';
  // The training split is only needed for the normalization when the model file does not carry it.
  // The whole test split is loaded (--images may name any of its images; a limit would make the
  // generated set generate more images rather than refuse the index).
  const data = await loadData(dataSpec, { testOnly: file.preprocessing !== undefined });
  const test = data.splits.test;
  const normalization = file.preprocessing ?? channelStatistics(data.splits.train);
  const classNames = file.classNames ?? [...test.classNames];
  console.log(`explain: ${source} on ${data.description}`);
  fs.mkdirSync(out, { recursive: true });
  const write = (name: string, contents: string | Uint8Array) => writeFileAtomicSync(path.join(out, name), contents);

  const problems: string[] = [];
  const sections: Section[] = [];
  /** Runs one part; a typed error becomes a line on stderr and in the page, and the others go on. */
  const part = (name: string, id: string, heading: string, draw: (notes: string[]) => string) => {
    const notes: string[] = [];
    let body = '';
    try {
      body = draw(notes);
    } catch (error) {
      notes.push(describe(error));
    }
    for (const note of notes) {
      problems.push(`${name}: ${note}`);
      console.error(`explain: ${name}: ${note}`);
    }
    sections.push({ id, heading, body: body + problemsHtml(notes) });
    console.log(`explain: ${name} done (${elapsed()})`);
  };

  let fits: string | null = null;
  try {
    checkModelFitsData(net, source, test);
  } catch (error) {
    fits = describe(error);
  }
  const needsData = (notes: string[]): boolean => {
    if (fits) notes.push(fits);
    return fits === null;
  };
  const spatial = net.inputShape.length === 3;
  const [height, width] = spatial ? [net.inputShape[1], net.inputShape[2]] : [1, 1];
  const size = options['occlusion-size'] === undefined
    ? Math.max(1, Math.round(Math.min(height, width) / 4))
    : numberOption('occlusion-size', options['occlusion-size'], { integer: true, min: 1 });
  const stride = options['occlusion-stride'] === undefined
    ? Math.max(1, Math.round(size / 2))
    : numberOption('occlusion-stride', options['occlusion-stride'], { integer: true, min: 1 });

  part('occlusion and saliency', 'occlusion', 'Occlusion and saliency', (notes) => {
    if (!needsData(notes)) return '';
    const pictures: CaptionedPicture[] = [];
    for (const index of imageIndices) {
      let picture: PlanarImage;
      try {
        picture = pictureOf(test, index);
      } catch (error) {
        notes.push(describe(error));
        continue;
      }
      const input = inputOf(test, [index], normalization);
      const label = test.labels[index];
      const probabilities = classProbabilities(net, input);
      const predicted = probabilities.indexOf(Math.max(...probabilities));
      const scale = scaleTo(picture.width, 128);
      // The square's colour: the dataset's mean colour, which the normalization maps to 0.
      const occlusion = occlusionSensitivity(net, input, label, { size, stride, fill: new Array<number>(test.channels).fill(0) });
      const occlusionImage = heatMapOverlay(picture, occlusionPixelMap(occlusion, picture.height, picture.width), { scale, lowIsHot: true });
      const saliency = heatMapOverlay(picture, saliencyMap(net, input, label), { scale, opacity: 0.9 });
      write(`occlusion-${index}.png`, encodePng(occlusionImage));
      write(`saliency-${index}.png`, encodePng(saliency));
      const lowest = Math.min(...occlusion.probabilities);
      pictures.push(
        { image: plainPicture(picture, scale), caption: `test image ${index}: ${classNames[label]}\npredicted ${classNames[predicted]} (${(100 * probabilities[predicted]).toFixed(0)} %)` },
        { image: occlusionImage, caption: `occlusion ${size}×${size}, stride ${stride}\np(${classNames[label]}) ${occlusion.baseline.toFixed(2)} → min ${lowest.toFixed(2)} (hot = lowest)` },
        { image: saliency, caption: `saliency of '${classNames[label]}'\n|∂score/∂pixel|, max over channels` },
      );
    }
    return paragraphHtml(
      'Each row: the test image; the probability of its true class while a square of the mean colour covers each place ' +
        '(hot where covering hurts); and the saliency map, the size of the gradient of the class score (before the softmax) for each pixel.',
    ) + (pictures.length > 0 ? pictureRowHtml(pictures, encodePng) : '');
  });

  part('top patches', 'top-patches', 'Top patches per unit', (notes) => {
    if (!needsData(notes)) return '';
    const layers = topPatches(net, test, normalization, {
      ...(layerNames ? { layers: layerNames } : {}), ...(units ? { units } : {}), imageLimit: patchImages,
    });
    const pictures: CaptionedPicture[] = [];
    for (const layer of layers) {
      const { image, clipped } = patchesPicture(layer, test);
      write(`top-patches-${layer.layerName}.png`, encodePng(image));
      const [fieldHeight, fieldWidth] = layer.field.size;
      pictures.push({
        image,
        caption:
          `${layer.layerName}: units ${layer.units.map((unit) => unit.unit).join(', ')} (one per row), receptive field ${fieldHeight}×${fieldWidth}` +
          (fieldHeight > test.height || fieldWidth > test.width ? ` (larger than the ${test.height}×${test.width} image: the whole image is shown)` : '') +
          (clipped > 0 ? `\n${clipped} patches clipped at the image border (grey: outside the image)` : ''),
      });
    }
    return paragraphHtml(`For each unit, the ${Math.min(patchImages, test.count)} test images ranked by the unit's strongest response; each patch is what that unit can see.`) +
      pictureRowHtml(pictures, encodePng);
  });

  part('class models', 'class-models', 'Class models', () => {
    const models = classModels(net, {
      steps: numberOption('class-steps', options['class-steps']), l2: numberOption('class-l2', options['class-l2']),
      learningRate: numberOption('class-rate', options['class-rate']), jitter: numberOption('jitter', options.jitter),
      blurEvery: numberOption('blur-every', options['blur-every']), seed,
    });
    if (!spatial) throw new ShapeError(`class models: the network takes vectors (${net.inputShape.join(', ')}), not images; nothing to draw`);
    const [channels] = net.inputShape;
    const imageSize = channels * height * width;
    const tiles: PlanarImage[] = models.classes.map((_, n) => ({ channels, height, width, data: models.images.data.subarray(n * imageSize, (n + 1) * imageSize) }));
    const scale = scaleTo(width, 96);
    const grid = tileImages(tiles, { columns: tiles.length, scale, padding: 2 });
    write('class-models.png', encodePng(grid.image));
    const last = models.objective.at(-1)!;
    const pictures = tiles.map((tile, n) => ({
      image: tileImages([tile], { scale, padding: 0 }).image,
      caption: `${classNames[models.classes[n]]}\nscore − λ‖x‖² ${models.objective[0][n].toFixed(2)} → ${last[n].toFixed(2)}`,
    }));
    return paragraphHtml('For each class, the image (in the network\'s input units, each stretched to full contrast) that gradient ascent finds to maximise the class score with an L2 penalty.') +
      pictureRowHtml(pictures, encodePng);
  });

  part('t-SNE', 'tsne', 't-SNE of the features', (notes) => {
    if (!needsData(notes)) return '';
    const count = Math.min(tsneImages, test.count);
    const lastFc = net.layers.map((layer) => layer.type).lastIndexOf('fc');
    const upTo = lastFc > 0 ? lastFc : net.layers.length - 1;
    const featureShape = upTo === 0 ? net.inputShape : net.layers[upTo - 1].outputShape;
    const dimension = featureShape.reduce((a, b) => a * b, 1);
    const features = new Float32Array(count * dimension);
    for (let first = 0; first < count; first += 100) {
      const indices = Array.from({ length: Math.min(100, count - first) }, (_, i) => first + i);
      features.set(net.forward(inputOf(test, indices, normalization), INFERENCE, upTo).data, first * dimension);
    }
    const perplexity = Math.min(numberOption('perplexity', options.perplexity), Math.max(2, Math.floor((count - 1) / 3)));
    const map = tsne(features, count, dimension, { perplexity, iterations: numberOption('tsne-iterations', options['tsne-iterations']), seed });
    const pictures = Array.from({ length: count }, (_, n) => pictureOf(test, n));
    const image = imageMap(pictures, map, test.labels.subarray(0, count), { side: Math.round(Math.sqrt(count) * test.width * 1.4), border: 1 });
    write('tsne.png', encodePng(image));
    const where = upTo === 0 ? 'the input' : `the output of ${net.layers[upTo - 1].name} (${dimension} values, the input of ${net.layers[upTo].name})`;
    const legend = classNames.map((name, k) => `${k}: ${name}`).join(', ');
    return paragraphHtml(`${count} test images placed by exact t-SNE (perplexity ${perplexity}, seed ${seed}) of ${where}; the border colour is the true class (the report's palette, in order: ${legend}).`) +
      pictureRowHtml([{ image, caption: `t-SNE of ${count} test images` }], encodePng);
  });

  const html = buildReport({
    title: `convnet-ts explain: ${path.basename(path.resolve(modelFolder))}`,
    subtitle: `${data.description} — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    extraSections: sections,
    encodePng,
  });
  write('explain.html', html);
  if (options.report) {
    if (fits) {
      problems.push(`report.html: ${fits}`);
      console.error(`explain: report.html: ${fits}`);
    } else {
      const report = writeRunReport({
        run: new RunDirectory(modelFolder), net, definition: file.definition, summaryText: formatSummary(net), test,
        preprocessing: normalization, classNames, title: `convnet-ts run: ${path.basename(path.resolve(modelFolder))}`, extraSections: sections,
      });
      console.log(`explain: sections added to ${report}`);
    }
  }
  console.log(`explain: ${path.join(out, 'explain.html')} (${elapsed()})${problems.length > 0 ? `, ${problems.length} part(s) not drawn` : ''}`);
  return problems.length > 0 ? 1 : 0;
}

