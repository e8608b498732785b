/**
 * Downloading a file so that a failure anywhere leaves nothing half-written where it is looked for.
 *
 *   1. The bytes go to a hidden partial file next to the target, ".<name>.partial", which no loader
 *      reads. If one is already there (an earlier run was interrupted), the request asks only for the
 *      rest (HTTP Range: bytes=<size>-) and appends: a 206 answer resumes, a 200 answer (the server
 *      ignores ranges) starts over.
 *   2. Before the first byte is written, the free space of the target's file system (fs.statfs) is
 *      compared with what remains to be downloaded.
 *   3. When the transfer is complete (as many bytes as the server announced), the partial file is
 *      fsynced and its MD5 compared with the published one. A mismatch deletes it: resuming a wrong
 *      file cannot make it right.
 *   4. The caller renames verified partial files onto their real names (`commitDownloads`): a rename
 *      within one folder is atomic, so the target is either absent or complete and verified.
 *
 * Failures are DownloadErrors (a DataError: the CLI prints them as one line) naming the address or
 * the file, what was expected and what came. A transfer cut short keeps its partial file and says
 * that running the same command again resumes it. Redirects (GitHub answers 302) are followed, up
 * to 5. HTTP and HTTPS only.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DataError } from '../errors.ts';
import { syncFolder } from './atomic-write.ts';

/**
 * A download that failed: bad address, server error, cut transfer, wrong checksum, no disk space.
 * A DataError (the data could not be had), so the CLI prints it as one "DataError: …" line.
 */
export class DownloadError extends DataError {}

export interface DownloadRequest {
  /** http:// or https:// address. */
  url: string;
  /** Final path (the file is only ever written to its partial file; see commitDownloads). */
  target: string;
  /** Expected MD5, 32 hex digits. */
  md5: string;
  /** Size used for the disk-space check when the server sends no Content-Length. */
  approximateBytes: number;
}

export interface DownloadHooks {
  /** Called as bytes arrive: `received` counts the bytes resumed from the partial file too. */
  onProgress?: (received: number, total: number | null) => void;
  /** Free bytes of the file system holding `folder` (default: fs.statfs); replaced in specs. */
  freeBytes?: (folder: string) => Promise<number>;
  /** Abandon a connection silent for this long (default 30 s). */
  idleTimeoutMs?: number;
}

/** Space kept free beyond the download itself, so that the machine does not end with a full disk. */
export const DISK_SPACE_MARGIN_BYTES = 64 * 2 ** 20;
const MAX_REDIRECTS = 5;

/** The hidden partial file used while downloading `target`. */
export function partialPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.partial`);
}

/**
 * Downloads `request.url` into the partial file of `request.target`, resuming it if present, and
 * verifies its MD5. Returns the verified partial file's path; the target itself is not touched.
 * @throws DownloadError (see the module comment)
 */
export async function downloadToPartial(request: DownloadRequest, hooks: DownloadHooks = {}): Promise<string> {
  const folder = path.dirname(request.target);
  await fsp.mkdir(folder, { recursive: true });
  const partial = partialPathFor(request.target);
  const freeBytes = hooks.freeBytes ?? statfsFreeBytes;
  let have = (await statOrNull(partial))?.size ?? 0;
  // First check, before any request: the published size is enough to refuse a disk that is far too full.
  await checkDiskSpace(folder, Math.max(0, request.approximateBytes - have), freeBytes, 'the published size');

  const response = await get(request.url, have > 0 ? { Range: `bytes=${have}-` } : {}, hooks.idleTimeoutMs ?? 30_000);
  let total: number | null;
  let append: boolean;
  if (response.statusCode === 206 && have > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers['content-range'] ?? '');
    if (!range || Number(range[1]) !== have) {
      response.resume();
      await fsp.rm(partial, { force: true });
      throw new DownloadError(
        `${request.url}: asked to resume at byte ${have}, the server answered with range '${response.headers['content-range'] ?? '(none)'}'; ` +
          'the partial download was deleted, run the command again to start over',
      );
    }
    total = Number(range[3]);
    append = true;
  } else if (response.statusCode === 416 && have > 0) {
    // "Range not satisfiable": nothing after byte `have`, the partial file may already be whole.
    response.resume();
    return verify(partial, request);
  } else if (response.statusCode === 200) {
    const length = Number(response.headers['content-length']);
    total = Number.isSafeInteger(length) && length >= 0 ? length : null;
    append = false;
    have = 0; // the server sends the whole file: start over
  } else {
    response.resume();
    throw new DownloadError(`${request.url}: the server answered ${response.statusCode} ${response.statusMessage ?? ''}`.trimEnd());
  }
  // Second check, now that the exact size is known, still before writing anything.
  await checkDiskSpace(folder, total === null ? Math.max(0, request.approximateBytes - have) : total - have, freeBytes, 'the announced size');

  let received = have;
  hooks.onProgress?.(received, total);
  // Each chunk is written (awaited) before the next is read, so when the transfer breaks, every byte
  // counted in `received` is in the partial file and the next run's Range starts exactly there.
  const file = await fsp.open(partial, append ? 'a' : 'w');
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      await file.write(chunk);
      received += chunk.length;
      hooks.onProgress?.(received, total);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EROFS' || code === 'EISDIR') {
      throw new DownloadError(`${partial}: cannot write the download (${code}: ${(error as Error).message})`);
    }
    throw new DownloadError(
      `${request.url}: transfer interrupted after ${received} of ${total ?? 'an unknown number of'} bytes ` +
        `(${(error as Error).message}); the partial file ${partial} is kept: run the same command again to resume`,
    );
  } finally {
    await file.close();
  }
  if (total !== null && received !== total) {
    throw new DownloadError(
      `${request.url}: transfer interrupted after ${received} of ${total} bytes; the partial file ${partial} is kept: ` +
        'run the same command again to resume',
    );
  }
  await fsyncFile(partial);
  return verify(partial, request);
}

/**
 * Moves verified partial files onto their targets, in the order given (put last the file whose
 * presence tells a loader that the data is there), then fsyncs their folders so the renames last.
 */
export async function commitDownloads(moves: ReadonlyArray<{ partial: string; target: string }>): Promise<void> {
  for (const { partial, target } of moves) await fsp.rename(partial, target);
  for (const folder of new Set(moves.map(({ target }) => path.dirname(target)))) await syncFolder(folder);
}

/** MD5 of a file as 32 lower-case hex digits, read in chunks (the whole file is never in memory). */
export async function md5OfFile(filePath: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(fs.createReadStream(filePath), hash);
  return hash.digest('hex');
}

async function verify(partial: string, request: DownloadRequest): Promise<string> {
  const actual = await md5OfFile(partial);
  if (actual !== request.md5.toLowerCase()) {
    const size = (await statOrNull(partial))?.size ?? 0;
    await fsp.rm(partial, { force: true });
    throw new DownloadError(
      `${request.url}: checksum mismatch: the ${size} bytes received have MD5 ${actual}, the published MD5 is ${request.md5}; ` +
        `nothing was written to ${request.target} and the partial download was deleted`,
    );
  }
  return partial;
}

async function checkDiskSpace(folder: string, needed: number, freeBytes: (folder: string) => Promise<number>, basis: string): Promise<void> {
  const free = await freeBytes(folder);
  if (free < needed + DISK_SPACE_MARGIN_BYTES) {
    throw new DownloadError(
      `${folder}: not enough free disk space: the download needs ${formatBytes(needed)} (${basis}) plus a ` +
        `${formatBytes(DISK_SPACE_MARGIN_BYTES)} margin, the file system has ${formatBytes(free)} free`,
    );
  }
}

async function statfsFreeBytes(folder: string): Promise<number> {
  const stats = await fsp.statfs(folder);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** A GET that follows redirects; resolves with the final response (not yet read). */
function get(url: string, headers: Record<string, string>, idleTimeoutMs: number, redirects = 0): Promise<http.IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new DownloadError(`'${url}' is not a valid address`));
  }
  const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
  if (!client) return Promise.reject(new DownloadError(`${url}: only http:// and https:// addresses can be downloaded`));
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, { headers: { 'User-Agent': 'convnet-ts', ...headers } }, (response) => {
      const location = response.headers.location;
      if (response.statusCode && [301, 302, 303, 307, 308].includes(response.statusCode) && location) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`));
          return;
        }
        get(new URL(location, parsed).href, headers, idleTimeoutMs, redirects + 1).then(resolve, reject);
        return;
      }
      resolve(response);
    });
    request.setTimeout(idleTimeoutMs, () => {
      request.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      reject(new DownloadError(`${url}: cannot download (${error.code ?? ''}${error.code ? ': ' : ''}${error.message})`));
    });
  });
}

async function fsyncFile(filePath: string): Promise<void> {
  const handle = await fsp.open(filePath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function statOrNull(filePath: string): Promise<fs.Stats | null> {
  try {
    return await fsp.stat(filePath);
  } catch {
    return null;
  }
}

/** "162.0 MB": bytes in decimal megabytes (as the dataset pages state sizes), or kB / B when small. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
