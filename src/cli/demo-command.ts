/**
 * `demo`: builds the browser pages if needed and serves them on http://127.0.0.1:<port>/ until
 * Ctrl-C (SIGINT) or SIGTERM. See src/web-server/static-server.ts for what is served.
 */
import { ensureBuilt, BUILD_ROOT, PAGES_ROOT } from '../web-server/build.ts';
import { generatedOnly, openCifar10Batches } from '../web-server/cifar10-batches.ts';
import { startDemoServer } from '../web-server/static-server.ts';
import { numberOption, parseOptions } from './args.ts';

const DESCRIPTION =
  'Serve the browser demos (circuit, 2-D classification, CIFAR-10 live) on 127.0.0.1, building them first if needed.';

const OPTIONS = {
  port: { type: 'string', value: '<n>', default: '8080', help: 'TCP port on 127.0.0.1 (0: any free port)' },
  data: { type: 'string', value: '<path>', help: "a CIFAR-10 archive or folder, or 'generated' (default: CIFAR-10 where the CLI finds it, else the generated set)" },
  log: { type: 'boolean', help: 'print one line per request' },
  'no-build': { type: 'boolean', help: 'serve dist/web as it is, even when a source is newer' },
} as const;

export async function demoCommand(argv: string[]): Promise<number> {
  const options = parseOptions('demo', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const port = numberOption('port', options.port, { integer: true, min: 0, max: 65535 });
  if (!options['no-build'] && ensureBuilt()) console.log('built the pages into dist/web/');
  const data = options.data === 'generated' ? generatedOnly('--data generated') : openCifar10Batches(options.data);
  const server = await startDemoServer({
    port, pagesRoot: PAGES_ROOT, scriptsRoot: BUILD_ROOT, data,
    ...(options.log ? { onRequest: (method: string, url: string, status: number) => console.log(`${status} ${method} ${url}`) } : {}),
  });
  console.log(`data: ${data.info.description}`);
  console.log(`convnet-ts demo: ${server.url}   (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping the demo server`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close();
  return 0;
}
