/**
 * The demo server: a small node:http static server for the browser pages, bound to 127.0.0.1 only.
 *
 *   /                    → src/web/index.html (the page list)
 *   /<page>.html, .css   → src/web/ (the pages and their style sheet; never the .ts sources)
 *   /js/<path>.js        → the build output (npm run build: the portable core and the page scripts)
 *   /favicon.ico         → src/web/favicon.svg (so the browser's automatic request does not 404)
 *   /data/info.json      → which data set the pages get (cifar10-batches.ts)
 *   /data/cifar10/<f>    → one CIFAR-10 binary batch, as bytes
 *
 * Every response carries Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
 * require-corp — the two headers that make a page `crossOriginIsolated`, which is what unlocks
 * SharedArrayBuffer (and with it the worker executor) — and a Content-Security-Policy that only
 * allows the page's own origin, so nothing a page does can reach another host. Scripts may compile
 * WebAssembly and asm.js ('wasm-unsafe-eval', 'unsafe-eval'): the fast kernel tiers are built that
 * way (src/kernels/wasm-module.ts, gemm-macro-kernel.ts); without them the page would silently fall
 * back to the plain-TypeScript loops.
 *
 * Paths are checked segment by segment after percent-decoding: a `..` or `.` segment, a backslash, a
 * NUL, or an encoded `/` is refused with 403 before any file is looked up, and the resolved file must
 * still lie inside the folder it is served from. Anything else that is not there is a 404.
 *
 * Node-facing (node:http, node:fs).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Cifar10Batches } from './cifar10-batches.ts';

export interface DemoServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Folder of the pages (src/web). */
  pagesRoot: string;
  /** Folder of the built JavaScript (dist/web). */
  scriptsRoot: string;
  /** The data the pages train on. */
  data: Cifar10Batches;
  /** Called for every request with its status (for a log line; default: silent). */
  onRequest?: (method: string, url: string, status: number) => void;
}

export interface DemoServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  /** Stops accepting connections and closes the idle ones; resolves when the server is down. */
  close(): Promise<void>;
}

export const DEMO_HOST = '127.0.0.1';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/** Which extensions each folder may serve (the pages folder holds .ts sources that are not served). */
const PAGE_EXTENSIONS = new Set(['.html', '.css', '.svg', '.png']);
const SCRIPT_EXTENSIONS = new Set(['.js']);

/** The headers every response carries (see the module comment). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/**
 * Splits a request path into decoded segments, or returns the status that refuses it:
 * 400 for malformed percent-encoding, 403 for anything that could climb out of a folder.
 */
export function safeSegments(rawPath: string): string[] | 400 | 403 {
  if (!rawPath.startsWith('/')) return 400;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 400;
    }
    if (segment === '..' || segment === '.' || /[/\\\0]/.test(segment)) return 403;
    if (segment === '') continue;
    segments.push(segment);
  }
  return segments;
}

/** `segments` joined under `root`, or null if the result would leave `root` (a second, independent guard). */
function inside(root: string, segments: string[]): string | null {
  const resolvedRoot = path.resolve(root);
  const target = path.resolve(resolvedRoot, ...segments);
  return target.startsWith(resolvedRoot + path.sep) ? target : null;
}

/** Starts the server. @throws ConfigError when the port is taken or not allowed. */
export function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const server = http.createServer((request, response) => {
    const status = handle(request, response, options);
    options.onRequest?.(request.method ?? '?', request.url ?? '', status);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new ConfigError(`--port: port ${options.port} on ${DEMO_HOST} is already in use; pass another with --port <n> (or --port 0 for any free port)`));
      } else if (error.code === 'EACCES') {
        reject(new ConfigError(`--port: not allowed to listen on port ${options.port} of ${DEMO_HOST}; pass a port above 1023 with --port <n>`));
      } else {
        reject(error);
      }
    });
    server.listen(options.port, DEMO_HOST, () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://${DEMO_HOST}:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Answers one request and returns the status sent. */
function handle(request: http.IncomingMessage, response: http.ServerResponse, options: DemoServerOptions): number {
  const send = (status: number, body: Uint8Array | string, type = 'text/plain; charset=utf-8'): number => {
    response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
    return status;
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET and HEAD are served\n');
  const rawPath = (request.url ?? '/').split('?')[0]!;
  const segments = safeSegments(rawPath);
  if (segments === 400) return send(400, 'malformed path\n');
  if (segments === 403) return send(403, 'forbidden: the path leaves the served folders\n');

  const [first, ...rest] = segments;
  if (first === undefined) return sendFile(send, options.pagesRoot, ['index.html'], PAGE_EXTENSIONS);
  if (first === 'favicon.ico' && rest.length === 0) return sendFile(send, options.pagesRoot, ['favicon.svg'], PAGE_EXTENSIONS);
  if (first === 'js') return sendFile(send, options.scriptsRoot, rest, SCRIPT_EXTENSIONS);
  if (first === 'data') {
    if (rest.length === 1 && rest[0] === 'info.json') return send(200, JSON.stringify(options.data.info), CONTENT_TYPES['.json']);
    if (rest.length === 2 && rest[0] === 'cifar10') {
      let bytes: Uint8Array | null;
      try {
        bytes = options.data.read(rest[1]!);
      } catch (error) {
        // A damaged copy of the data set: the page shows this text, the server keeps running.
        return send(500, `${(error as Error).message}\n`);
      }
      return bytes ? send(200, bytes, CONTENT_TYPES['.bin']) : send(404, 'no such data file\n');
    }
    return send(404, 'no such data file\n');
  }
  return sendFile(send, options.pagesRoot, segments, PAGE_EXTENSIONS);
}

function sendFile(
  send: (status: number, body: Uint8Array | string, type?: string) => number,
  root: string,
  segments: string[],
  extensions: ReadonlySet<string>,
): number {
  const extension = path.extname(segments[segments.length - 1] ?? '').toLowerCase();
  const target = segments.length > 0 && extensions.has(extension) ? inside(root, segments) : null;
  if (!target) return send(404, 'not found\n');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(target);
  } catch {
    return send(404, 'not found\n');
  }
  return send(200, bytes, CONTENT_TYPES[extension]);
}
