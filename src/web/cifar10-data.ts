/**
 * The CIFAR-10 page's data, fetched from the demo server (src/web-server/): `/data/info.json` says
 * whether the server found CIFAR-10; if it did, the binary batches are fetched one by one, only those
 * asked for, and kept as bytes (a record is 1 label byte + 3,072 image bytes already in CHW order, see
 * src/data/cifar10.ts). Without CIFAR-10, the embedded generated set is built here, with the seed the
 * CLI uses (src/cli/datasets.ts), so page and CLI train on the same images.
 *
 * Portable (fetch only): runs in the page's worker.
 */
import type { DatasetSplits, ImageDataset } from '../data/dataset.ts';
import { makeImageDataset } from '../data/dataset.ts';
import { generateImageDataset } from '../data/generated-images.ts';
import { DataError } from '../errors.ts';
import { Rng } from '../tensor/rng.ts';

/** The shape of /data/info.json (src/web-server/cifar10-batches.ts writes it). */
export interface DataInfo {
  /** 'cifar10': fetch the batches below; 'generated': build the embedded generated set in the page. */
  kind: 'cifar10' | 'generated';
  /** Human-readable origin, shown on the page. */
  description: string;
  classNames: string[];
  /** File names under /data/cifar10/, training batches in order, then the test batch. */
  trainFiles: string[];
  testFile: string | null;
  recordBytes: number;
}

export interface LoadedSplits {
  splits: DatasetSplits;
  description: string;
}

/** The CLI's generated set (same seed as `--data generated`). */
export function generatedSplits(): DatasetSplits {
  return generateImageDataset(new Rng(2024));
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new DataError(`${url}: the server answered ${response.status} ${(await response.text()).trim()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Records (label + CHW image) → an ImageDataset of bytes. */
export function recordsToDataset(name: string, batches: readonly Uint8Array[], classNames: readonly string[], recordBytes: number): ImageDataset {
  const imageBytes = recordBytes - 1;
  const count = batches.reduce((sum, batch) => sum + batch.length / recordBytes, 0);
  const pixels = new Uint8Array(count * imageBytes);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const batch of batches) {
    if (batch.length % recordBytes !== 0) throw new DataError(`${name}: ${batch.length} bytes is not a whole number of ${recordBytes}-byte records`);
    for (let offset = 0; offset < batch.length; offset += recordBytes, n++) {
      labels[n] = batch[offset]!;
      pixels.set(batch.subarray(offset + 1, offset + recordBytes), n * imageBytes);
    }
  }
  return makeImageDataset({ name, classNames, channels: 3, height: 32, width: 32, count, pixels, labels });
}

/**
 * The splits the page trains on: the first `trainBatches` CIFAR-10 training batches (10,000 images
 * each) and the test batch, or the generated set. `onStatus` reports each download.
 */
export async function loadSplits(trainBatches: number, onStatus: (text: string) => void): Promise<LoadedSplits> {
  const info = JSON.parse(new TextDecoder().decode(await fetchBytes('/data/info.json'))) as DataInfo;
  if (info.kind !== 'cifar10' || !info.testFile) return { splits: generatedSplits(), description: info.description };
  const wanted = info.trainFiles.slice(0, Math.max(1, Math.min(trainBatches, info.trainFiles.length)));
  const train: Uint8Array[] = [];
  for (const file of wanted) {
    onStatus(`loading ${file} …`);
    train.push(await fetchBytes(`/data/cifar10/${file}`));
  }
  onStatus(`loading ${info.testFile} …`);
  const test = await fetchBytes(`/data/cifar10/${info.testFile}`);
  return {
    splits: {
      train: recordsToDataset('cifar10-train', train, info.classNames, info.recordBytes),
      test: recordsToDataset('cifar10-test', [test], info.classNames, info.recordBytes),
    },
    description: `${info.description} — ${wanted.length} training batch${wanted.length > 1 ? 'es' : ''} (${(wanted.length * 10000).toLocaleString('en-US')} images), test batch (10,000)`,
  };
}
