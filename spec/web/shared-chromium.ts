/**
 * One headless Chromium for all the browser specs of a process, closed when its last test is done.
 *
 * `npm test` runs spec/web/ as one bundle (spec/bundles/web.ts), so pages.spec.ts and vectors.spec.ts
 * share a process; a browser start is a second or so of CPU and a fresh profile folder, which the
 * second spec need not pay. Each spec still opens its own tab (its own console and network log), and
 * run alone it starts and closes its own browser exactly as before.
 */
import { after } from 'node:test';
import { Chromium } from './chromium.ts';

let launched: Promise<Chromium> | undefined;

/** The process's browser, started on the first call. */
export function sharedChromium(executable: string): Promise<Chromium> {
  launched ??= Chromium.launch(executable);
  return launched;
}

// A root-level hook: it runs once every test of the process has ended, whichever spec file asked first.
after(async () => {
  // A browser that failed to start has failed the spec that asked for it already.
  const browser = await launched?.catch(() => undefined);
  await browser?.close();
});
