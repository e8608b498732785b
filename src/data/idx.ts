/**
 * IDX files (the MNIST format, also used by Fashion-MNIST) and the loaders built on them.
 *
 * IDX layout, all integers big-endian (LeCun et al., the MNIST page):
 *   images: int32 magic 2051 (0x00000803: unsigned bytes, 3 dimensions), int32 N, int32 H, int32 W,
 *           then N*H*W bytes, image after image, each row-major (0 = background, 255 = ink)
 *   labels: int32 magic 2049 (0x00000801: unsigned bytes, 1 dimension), int32 N, then N bytes
 * Files may be gzipped (as distributed: *.gz); gzip is recognised by its magic bytes 1f 8b, not by
 * the file name. A one-channel image's HW bytes are already its CHW planes (C = 1), so the image
 * payload becomes the dataset's pixels as it is.
 *
 * Checked, each failure a DataError naming the file: the magic number, a payload length that is
 * not exactly what the header announces (truncated or trailing bytes), a file of 0 images or of
 * 0-pixel images, image and label counts that differ, labels not below the class count, test images
 * of another size than the training images (both files and both shapes named), a file that cannot be
 * found or un-gzipped.
 *
 * Gzipped files are inflated with a bound: the first bytes are inflated alone to read the header,
 * and the whole file is then inflated with `maxOutputLength` = the size that header announces. The
 * announced size itself may be at most `idxInflateLimit(compressed size)`: IDX images barely
 * compress (Fashion-MNIST 1.8x, MNIST 4.8x), so a small file announcing gigabytes is refused from its
 * header, and a file under 10 MB never makes the loader inflate more than 80 MB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { ConfigError, DataError } from '../errors.ts';
import { makeImageDataset, type DatasetSplits, type ImageDataset } from './dataset.ts';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** Labels 0..9 of Fashion-MNIST, as named in the data set's README (Xiao, Rasul, Vollgraf, 2017). */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);
export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
/** Where the Debian package dataset-fashion-mnist installs the files. */
export const FASHION_MNIST_DEFAULT_FOLDER = '/usr/share/datasets/fashion-mnist/';

/**
 * The largest IDX file (header + payload, uncompressed) the loader accepts: 2 GiB, about 45 times
 * Fashion-MNIST's training images (47 MB) and far below what a Uint8Array may hold. A header that
 * announces more is refused before anything is allocated.
 */
export const MAX_IDX_BYTES = 2 ** 31;

/**
 * The most a gzipped IDX file of `compressedBytes` may inflate to: 8 times its size (real IDX files
 * inflate 1.8x to 4.8x), at least 64 MiB (room for small, regular files), at most MAX_IDX_BYTES.
 */
export function idxInflateLimit(compressedBytes: number): number {
  return Math.min(MAX_IDX_BYTES, Math.max(64 * 2 ** 20, 8 * compressedBytes));
}

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count*height*width bytes (a view into the file's bytes). */
  pixels: Uint8Array;
}

export interface IdxLoadOptions {
  /** Keep only the first K training images. */
  trainLimit?: number;
  /** Keep only the first K test images. */
  testLimit?: number;
}

/** Parses an IDX image file (magic 2051). @param source the file name, for error messages. */
export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  checkMagic(headerView(bytes, 4, source).getUint32(0), IDX_IMAGES_MAGIC, 'image', source);
  const view = headerView(bytes, 16, source);
  const count = view.getUint32(4);
  const height = view.getUint32(8);
  const width = view.getUint32(12);
  if (count === 0 || height === 0 || width === 0) {
    throw new DataError(`${source}: holds ${count} images of ${height}x${width}; a split needs at least one image of at least 1x1 pixel`);
  }
  checkPayload(bytes.length - 16, count * height * width, `${count} images of ${height}x${width}`, source);
  return { count, height, width, pixels: bytes.subarray(16) };
}

/** Parses an IDX label file (magic 2049). Returns the labels (a view into `bytes`). */
export function parseIdxLabels(bytes: Uint8Array, source: string): Uint8Array {
  checkMagic(headerView(bytes, 4, source).getUint32(0), IDX_LABELS_MAGIC, 'label', source);
  const view = headerView(bytes, 8, source);
  const count = view.getUint32(4);
  if (count === 0) throw new DataError(`${source}: holds 0 labels; a split needs at least one image`);
  checkPayload(bytes.length - 8, count, `${count} labels`, source);
  return bytes.subarray(8);
}

/**
 * Reads a file, gunzipping it when it starts with the gzip magic bytes. The inflated size is bounded
 * by what the IDX header announces (see the module comment), so a gzip bomb is refused early.
 */
export function readMaybeGzip(filePath: string): Uint8Array {
  const bytes = fs.readFileSync(filePath);
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  const announced = announcedIdxBytes(gunzipPrefix(bytes, filePath), filePath);
  const limit = idxInflateLimit(bytes.length);
  if (announced > limit) {
    throw new DataError(
      `${filePath}: IDX header announces ${announced} bytes, but ${bytes.length} gzipped bytes may inflate to at most ` +
        `${limit} (8x, within 64 MiB..${MAX_IDX_BYTES}): refused before inflating`,
    );
  }
  try {
    // One byte more than announced, so that trailing bytes are still seen (and reported) by checkPayload.
    return gunzipSync(bytes, { maxOutputLength: announced + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(`${filePath}: has trailing bytes: inflates to more than the ${announced} bytes its IDX header announces`);
    }
    throw new DataError(`${filePath}: corrupt or truncated gzip data (${(error as Error).message})`);
  }
}

/**
 * The first bytes a gzip stream inflates to, from its first 4 KiB only (at most ~4 MB of output:
 * deflate expands at most 1032:1). Z_SYNC_FLUSH makes zlib return what it has instead of failing
 * on the cut-off input.
 */
function gunzipPrefix(bytes: Uint8Array, filePath: string): Uint8Array {
  try {
    return gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new DataError(`${filePath}: corrupt or truncated gzip data (${(error as Error).message})`);
  }
}

/**
 * Header + payload bytes an IDX file announces (16 + N*H*W for images, 8 + N for labels), checked
 * against MAX_IDX_BYTES. Unknown magic numbers and short headers pass through unchanged: the
 * parsers report them with their usual messages.
 */
function announcedIdxBytes(prefix: Uint8Array, filePath: string): number {
  if (prefix.length < 8) return 16;
  const view = new DataView(prefix.buffer, prefix.byteOffset, Math.min(prefix.length, 16));
  const magic = view.getUint32(0);
  let announced = 16;
  if (magic === IDX_LABELS_MAGIC) announced = 8 + view.getUint32(4);
  else if (magic === IDX_IMAGES_MAGIC && prefix.length >= 16) announced = 16 + view.getUint32(4) * view.getUint32(8) * view.getUint32(12);
  if (announced > MAX_IDX_BYTES) {
    throw new DataError(`${filePath}: IDX header announces ${announced} bytes, more than the ${MAX_IDX_BYTES}-byte limit (MAX_IDX_BYTES)`);
  }
  return announced;
}

/**
 * Loads one split from an image file and a label file into an N x 1 x H x W dataset.
 * @param limit keep only the first `limit` images (all when undefined)
 */
export function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  name: string,
  classNames: readonly string[],
  limit?: number,
): ImageDataset {
  const images = parseIdxImages(readMaybeGzip(imagesPath), imagesPath);
  const labels = parseIdxLabels(readMaybeGzip(labelsPath), labelsPath);
  if (labels.length !== images.count) {
    throw new DataError(`${labelsPath}: holds ${labels.length} labels but ${imagesPath} holds ${images.count} images`);
  }
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] >= classNames.length) {
      throw new DataError(`${labelsPath}: label ${n} is ${labels[n]}, expected 0..${classNames.length - 1}`);
    }
  }
  const count = Math.min(limit ?? images.count, images.count);
  const imageSize = images.height * images.width;
  return makeImageDataset({
    name,
    classNames,
    channels: 1,
    height: images.height,
    width: images.width,
    count,
    // All images: the view into the file's bytes (only the 16 header bytes more, and no second
    // copy of the 47 MB of Fashion-MNIST's training images while loading). Fewer: a compact copy,
    // so that the rest of the file can be garbage-collected.
    pixels: count === images.count ? images.pixels : images.pixels.slice(0, count * imageSize),
    labels: count === labels.length ? labels : labels.slice(0, count),
  });
}

/**
 * Loads an MNIST-style folder: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz (also accepted: the
 * "train-images.idx3-ubyte" spelling some mirrors use). Datasets are named `${name}-train/-test`.
 */
export function loadIdxFolder(
  folder: string,
  name: string,
  classNames: readonly string[],
  options: IdxLoadOptions = {},
): DatasetSplits {
  const trainLimit = checkLimit(options.trainLimit, 'trainLimit');
  const testLimit = checkLimit(options.testLimit, 'testLimit');
  const file = (prefix: string, kind: 'images-idx3' | 'labels-idx1'): string => findIdxFile(folder, prefix, kind);
  const trainImages = file('train', 'images-idx3');
  const testImages = file('t10k', 'images-idx3');
  const train = loadIdxPair(trainImages, file('train', 'labels-idx1'), `${name}-train`, classNames, trainLimit);
  const test = loadIdxPair(testImages, file('t10k', 'labels-idx1'), `${name}-test`, classNames, testLimit);
  // A network is built for one input size: test images of another size must not be read as if they
  // had the training size (14x56 bytes read as 28x28 would "work" and mean nothing).
  if (test.height !== train.height || test.width !== train.width) {
    throw new DataError(
      `${testImages}: test images are ${test.height}x${test.width} but the training images in ${trainImages} are ` +
        `${train.height}x${train.width}; both splits must have the same image size`,
    );
  }
  return { train, test };
}

/** Fashion-MNIST: 60,000 training and 10,000 test images, 1 x 28 x 28, 10 classes. */
export function loadFashionMnist(folder: string = FASHION_MNIST_DEFAULT_FOLDER, options: IdxLoadOptions = {}): DatasetSplits {
  return loadIdxFolder(folder, 'fashion-mnist', FASHION_MNIST_CLASS_NAMES, options);
}

/** MNIST digits (same layout as Fashion-MNIST); there is no default folder. */
export function loadMnist(folder: string, options: IdxLoadOptions = {}): DatasetSplits {
  return loadIdxFolder(folder, 'mnist', MNIST_CLASS_NAMES, options);
}

/**
 * Finds a Fashion-MNIST folder: `explicit`, the FASHION_MNIST_PATH environment variable,
 * ./datasets/fashion-mnist/ (relative to the working folder), then the Debian package's folder.
 * Returns the first folder holding a training image file, or null.
 * @throws DataError when `explicit` or FASHION_MNIST_PATH is given but holds no Fashion-MNIST.
 */
export function findFashionMnist(explicit?: string): string | null {
  const holdsData = (folder: string): boolean => {
    try {
      findIdxFile(folder, 'train', 'images-idx3');
      return true;
    } catch {
      return false;
    }
  };
  for (const [what, candidate] of [['the given path', explicit], ['FASHION_MNIST_PATH', process.env.FASHION_MNIST_PATH || undefined]]) {
    if (candidate === undefined) continue;
    if (!holdsData(candidate)) throw new DataError(`Fashion-MNIST not found at ${candidate} (${what}): no train-images-idx3-ubyte[.gz]`);
    return candidate;
  }
  for (const candidate of [path.resolve('datasets', 'fashion-mnist'), FASHION_MNIST_DEFAULT_FOLDER]) {
    if (holdsData(candidate)) return candidate;
  }
  return null;
}

/** The first existing spelling of an IDX file in `folder`, e.g. train-images-idx3-ubyte.gz. */
function findIdxFile(folder: string, prefix: string, kind: 'images-idx3' | 'labels-idx1'): string {
  const dotted = kind.replace('-idx', '.idx'); // "images.idx3": the spelling of some mirrors
  const names = [`${prefix}-${kind}-ubyte.gz`, `${prefix}-${kind}-ubyte`, `${prefix}-${dotted}-ubyte.gz`, `${prefix}-${dotted}-ubyte`];
  for (const name of names) {
    const candidate = path.join(folder, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new DataError(`${folder}: missing IDX file ${prefix}-${kind}-ubyte(.gz)`);
}

function headerView(bytes: Uint8Array, headerBytes: number, source: string): DataView {
  if (bytes.length < headerBytes) {
    throw new DataError(`${source}: ${bytes.length} bytes is too short for an IDX header (needs ${headerBytes})`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
}

function checkMagic(found: number, expected: number, kind: string, source: string): void {
  if (found !== expected) {
    throw new DataError(`${source}: not an IDX ${kind} file: magic number is ${found}, expected ${expected}`);
  }
}

function checkPayload(found: number, expected: number, what: string, source: string): void {
  if (found !== expected) {
    const defect = found < expected ? 'truncated' : 'has trailing bytes';
    throw new DataError(`${source}: ${defect}: header announces ${what} = ${expected} bytes, file holds ${found}`);
  }
}

function checkLimit(limit: number | undefined, option: string): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ConfigError(`loadIdxFolder: ${option} must be a non-negative integer, got ${limit}`);
  }
  return limit;
}
