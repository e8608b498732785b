/**
 * Where the datasets come from: the official archives at their official addresses, with the MD5
 * sums their authors publish (read by `download`, src/cli/download-command.ts).
 *
 * - CIFAR-10, binary version: Alex Krizhevsky's page https://www.cs.toronto.edu/~kriz/cifar.html
 *   lists "CIFAR-10 binary version (suitable for C programs), 162 MB, md5sum c32a1d4a…87530".
 * - Fashion-MNIST: the four gzipped IDX files of the data/fashion folder of the GitHub repository
 *   zalandoresearch/fashion-mnist; its README's "Get the Data" table gives sizes and MD5 sums.
 *
 * `approximateBytes` (the published size, rounded up) is only used to check the free disk space
 * before the first byte arrives; the exact size comes from the server's Content-Length.
 */
import { CIFAR10_ARCHIVE_NAME } from './cifar10.ts';

export interface DownloadableFile {
  /** File name, as the loaders expect it, e.g. "cifar-10-binary.tar.gz". */
  readonly name: string;
  /** Official address. A mirror replaces everything before the last "/" (see mirrorUrl). */
  readonly url: string;
  /** MD5 published by the authors, 32 lower-case hex digits. */
  readonly md5: string;
  readonly approximateBytes: number;
}

export interface DownloadableDataset {
  /** The name given on the command line. */
  readonly id: string;
  readonly title: string;
  /** Folder under ./datasets/ where the loaders look first (src/cli/datasets.ts). */
  readonly folder: string;
  /**
   * The files, in the order they are moved into place: the one the loaders look for to decide that
   * the dataset is there (CIFAR-10's archive, Fashion-MNIST's training images) comes LAST, so a run
   * interrupted between two renames never leaves a copy that looks complete and is not.
   */
  readonly files: readonly DownloadableFile[];
}

const FASHION_MNIST_BASE = 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion';

export const DOWNLOADABLE_DATASETS: Readonly<Record<string, DownloadableDataset>> = Object.freeze({
  cifar10: {
    id: 'cifar10',
    title: 'CIFAR-10 (binary version)',
    folder: 'cifar10',
    files: [
      {
        name: CIFAR10_ARCHIVE_NAME,
        url: `https://www.cs.toronto.edu/~kriz/${CIFAR10_ARCHIVE_NAME}`,
        md5: 'c32a1d4ab5d03f1284b67883e8d87530',
        approximateBytes: 171_000_000,
      },
    ],
  },
  'fashion-mnist': {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    folder: 'fashion-mnist',
    files: [
      { name: 't10k-labels-idx1-ubyte.gz', url: `${FASHION_MNIST_BASE}/t10k-labels-idx1-ubyte.gz`, md5: 'bb300cfdad3c16e7a12a480ee83cd310', approximateBytes: 6_000 },
      { name: 't10k-images-idx3-ubyte.gz', url: `${FASHION_MNIST_BASE}/t10k-images-idx3-ubyte.gz`, md5: 'bef4ecab320f06d8554ea6380940ec79', approximateBytes: 4_500_000 },
      { name: 'train-labels-idx1-ubyte.gz', url: `${FASHION_MNIST_BASE}/train-labels-idx1-ubyte.gz`, md5: '25c81989df183df01b3e8a0aad5dffbe', approximateBytes: 30_000 },
      { name: 'train-images-idx3-ubyte.gz', url: `${FASHION_MNIST_BASE}/train-images-idx3-ubyte.gz`, md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', approximateBytes: 27_000_000 },
    ],
  },
});

/**
 * The address of `file` on a mirror: `mirror` + "/" + file name (a mirror holds the files side by
 * side, like the official folders do). Without a mirror, the official address.
 */
export function mirrorUrl(file: DownloadableFile, mirror?: string): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/${file.name}` : file.url;
}
