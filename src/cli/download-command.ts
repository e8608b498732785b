/**
 * `download cifar10|fashion-mnist [--to <dir>] [--mirror <url>]`: fetches a dataset's official
 * files (src/data/dataset-sources.ts), verifies their published MD5 sums, and moves them where the
 * loaders look first: ./datasets/cifar10/ and ./datasets/fashion-mnist/ of the working folder
 * (src/cli/datasets.ts; after an explicit --data and CIFAR10_PATH / FASHION_MNIST_PATH).
 *
 * Safe to interrupt and to run again: every file is downloaded into a hidden partial file first
 * (src/io/download.ts) and resumed from there; nothing appears under its real name until it is
 * complete and verified, and files already present and verified are not downloaded again.
 *
 * --mirror <url> (or the CONVNET_TS_MIRROR environment variable) fetches "<url>/<file name>"
 * instead of the official address: for a local copy of the files, and for the specs, which serve
 * a small archive from 127.0.0.1.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError, DataError } from '../errors.ts';
import { DOWNLOADABLE_DATASETS, mirrorUrl, type DownloadableDataset } from '../data/dataset-sources.ts';
import { commitDownloads, downloadToPartial, formatBytes, md5OfFile, type DownloadHooks } from '../io/download.ts';
import { parseOptions } from './args.ts';
import { formatDuration } from './progress.ts';

const DESCRIPTION =
  'npx tsx src/cli.ts download cifar10|fashion-mnist [--to <dir>] [--mirror <url>]\n\n' +
  'Download a dataset from its official address, verify its published MD5, and put it where the loaders look first.\n' +
  'Interrupted downloads resume when the same command runs again.';

const OPTIONS = {
  to: { type: 'string', value: '<dir>', help: 'folder to write into (default: ./datasets/cifar10 or ./datasets/fashion-mnist)' },
  mirror: { type: 'string', value: '<url>', help: 'fetch <url>/<file name> instead of the official address (or set CONVNET_TS_MIRROR)' },
} as const;

export interface DownloadDatasetOptions {
  /** Folder to write into; default ./datasets/<dataset folder> of the working folder. */
  to?: string;
  mirror?: string;
  hooks?: DownloadHooks;
  /** Where progress lines go (default process.stderr); a TTY gets one redrawn line. */
  output?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export async function downloadCommand(argv: string[]): Promise<number> {
  const positionals: string[] = [];
  const options = parseOptions('download', DESCRIPTION, OPTIONS, argv, positionals);
  if (!options) return 0;
  const names = Object.keys(DOWNLOADABLE_DATASETS);
  if (positionals.length !== 1) {
    throw new ConfigError(`download: name one dataset (${names.join(' or ')}), got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  }
  if (!Object.hasOwn(DOWNLOADABLE_DATASETS, positionals[0])) {
    throw new ConfigError(`download: unknown dataset '${positionals[0]}', expected ${names.join(' or ')}`);
  }
  const dataset = DOWNLOADABLE_DATASETS[positionals[0]];
  if (options.to === '') throw new ConfigError('--to: expected a folder, got an empty string');
  const mirror = options.mirror ?? (process.env.CONVNET_TS_MIRROR || undefined);
  if (mirror !== undefined && !/^https?:\/\/[^/]/.test(mirror)) {
    throw new ConfigError(`--mirror: expected an http:// or https:// address, got '${mirror}'`);
  }
  const folder = await downloadDataset(dataset, { to: options.to, mirror });
  console.log(`${dataset.title} is in ${folder}; train on it with --data ${dataset.id}${options.to ? ` (or --data ${folder})` : ''}`);
  return 0;
}

/**
 * Downloads every file of `dataset` that is not already in the folder with the right MD5, verifies
 * them all, then moves them into place in the dataset's file order. Returns the folder.
 * @throws DownloadError (a DataError) when a file cannot be had; DataError when a file of the same
 *         name is already there with another checksum (it is left alone).
 */
export async function downloadDataset(dataset: DownloadableDataset, options: DownloadDatasetOptions = {}): Promise<string> {
  const folder = path.resolve(options.to ?? path.join('datasets', dataset.folder));
  const output = options.output ?? process.stderr;
  const moves: Array<{ partial: string; target: string }> = [];
  for (const file of dataset.files) {
    const target = path.join(folder, file.name);
    const existing = await md5OrNull(target);
    if (existing === file.md5) {
      output.write(`${file.name}: already in ${folder}, MD5 verified\n`);
      continue;
    }
    if (existing !== null) {
      throw new DataError(
        `${target}: already exists with MD5 ${existing}, not the published ${file.md5}; move it away (it is left untouched) and run again`,
      );
    }
    const url = mirrorUrl(file, options.mirror);
    const progress = progressPrinter(file.name, output);
    try {
      const partial = await downloadToPartial(
        { url, target, md5: file.md5, approximateBytes: file.approximateBytes },
        { ...options.hooks, onProgress: (received, total) => { progress.update(received, total); options.hooks?.onProgress?.(received, total); } },
      );
      progress.done(`${file.name}: ${formatBytes((await stat(partial)).size)} from ${url}, MD5 verified`);
      moves.push({ partial, target });
    } catch (error) {
      progress.done(null);
      throw error;
    }
  }
  await commitDownloads(moves);
  return folder;
}

/**
 * A progress display: on a terminal, one line redrawn at most 10 times a second —
 *   cifar-10-binary.tar.gz [██████░░░░░░░░░░░░░░]  31%  52.7/170.1 MB  4.1 MB/s  ETA 29s
 * — and elsewhere (a pipe, a log) a line at every quarter.
 */
function progressPrinter(name: string, output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
  const start = performance.now();
  let firstBytes: number | null = null;
  let lastDraw = 0;
  let lastQuarter = -1;
  let drawn = false;
  const width = 20;
  return {
    update(received: number, total: number | null): void {
      firstBytes ??= received; // bytes resumed from a partial file do not count toward the speed
      const seconds = (performance.now() - start) / 1000;
      const speed = seconds > 0 ? (received - firstBytes) / seconds : 0;
      const fraction = total ? Math.min(1, received / total) : 0;
      if (output.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && received !== total) return;
        lastDraw = now;
        const filled = Math.round(fraction * width);
        const bar = total ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ` : '';
        const eta = total && speed > 0 ? `  ETA ${formatDuration((total - received) / speed)}` : '';
        const text = `${name} ${bar}${formatBytes(received)}${total ? `/${formatBytes(total)}` : ''}  ${formatBytes(speed)}/s${eta}`;
        const columns = Math.max(20, output.columns || 100); // a terminal may report 0 columns
        output.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
        drawn = true;
      } else if (total) {
        const quarter = Math.floor(fraction * 4);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          output.write(`${name}: ${Math.round(fraction * 100)}% of ${formatBytes(total)}\n`);
        }
      }
    },
    /** Ends the display; prints `message` on its own line if given. */
    done(message: string | null): void {
      if (drawn) output.write('\n');
      drawn = false;
      if (message) output.write(`${message}\n`);
    },
  };
}

async function md5OrNull(filePath: string): Promise<string | null> {
  try {
    return await md5OfFile(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError(`${filePath}: cannot read it to check its MD5 (${(error as Error).message})`);
  }
}

