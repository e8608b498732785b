/**
 * A small client for headless Chromium's DevTools protocol (CDP), with no npm driver.
 *
 * Chromium started with `--remote-debugging-pipe` reads protocol commands from its file descriptor 3
 * and writes responses and events to descriptor 4; each message is one JSON object followed by a NUL
 * byte. A command is {id, method, params, sessionId?}; its answer carries the same id; events carry
 * a method and no id. `Target.attachToTarget` with flatten: true gives a sessionId that routes
 * commands to one page (or worker) over the same pipe.
 *
 * Used by the browser specs only (it needs node:child_process).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Where Debian's `chromium` package puts the browser, or null (the specs skip and say so). */
export function findChromium(): string | null {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return found ? found : null;
}

/** The flags of the brief: headless, no sandbox (root in a container), nothing that phones home. */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--remote-debugging-pipe',
];

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

type Pending = { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void; method: string };

export class Chromium {
  private readonly process: ChildProcess;
  private readonly input: Writable;
  private readonly profile: string;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: CdpEvent) => void>();
  private buffered = '';
  private exited = false;
  /** What Chromium printed on stderr (shown when it fails to start). */
  stderr = '';

  private constructor(executable: string) {
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-ts-chromium-'));
    this.process = spawn(executable, [...CHROMIUM_FLAGS, `--user-data-dir=${this.profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.input = this.process.stdio[3] as Writable;
    const output = this.process.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => this.receive(chunk));
    this.process.on('exit', () => {
      this.exited = true;
      for (const waiting of this.pending.values()) waiting.reject(new Error(`chromium exited during ${waiting.method}: ${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Starts Chromium with a fresh profile folder. */
  static async launch(executable: string): Promise<Chromium> {
    const browser = new Chromium(executable);
    await browser.send('Browser.getVersion');
    return browser;
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffered.slice(0, end)) as {
        id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string;
      };
      this.buffered = this.buffered.slice(end + 1);
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!waiting) continue;
        if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
        else waiting.resolve(message.result ?? {});
      } else if (message.method) {
        const event: CdpEvent = { method: message.method, params: message.params ?? {}, ...(message.sessionId ? { sessionId: message.sessionId } : {}) };
        for (const listener of this.listeners) listener(event);
      }
    }
  }

  /** Sends one command (to the browser, or to a page/worker session) and waits for its answer. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(`chromium has exited; cannot send ${method}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the browser (the process this object started) and removes its profile folder. */
  async close(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      try {
        await Promise.race([this.send('Browser.close'), exited]);
      } catch {
        // already going away
      }
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

/** What a page did while the spec watched it. */
export interface PageLog {
  /** Console errors, uncaught exceptions and browser log errors, as text. */
  errors: string[];
  /** Every URL requested by the page or its workers. */
  requests: string[];
  /** Responses with status ≥ 400, as "status url". */
  failures: string[];
}

/** One tab, with its workers attached, console and network watched. */
export class Page {
  readonly log: PageLog = { errors: [], requests: [], failures: [] };
  private readonly sessions = new Set<string>();
  private loadWaiters: Array<() => void> = [];

  private constructor(private readonly browser: Chromium, readonly sessionId: string, private readonly targetId: string) {}

  static async open(browser: Chromium, width = 1280, height = 900): Promise<Page> {
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(browser, sessionId as string, targetId as string);
    browser.onEvent((event) => page.observe(event));
    await page.watch(page.sessionId);
    await browser.send('Page.enable', {}, page.sessionId);
    await browser.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, page.sessionId);
    return page;
  }

  /** Enables the domains that report errors and requests on a session (the page or a worker). */
  private async watch(sessionId: string): Promise<void> {
    this.sessions.add(sessionId);
    await this.browser.send('Runtime.enable', {}, sessionId);
    await this.browser.send('Network.enable', {}, sessionId);
    await this.browser.send('Log.enable', {}, sessionId).catch(() => undefined);
    await this.browser.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId).catch(() => undefined);
  }

  private observe(event: CdpEvent): void {
    if (event.method === 'Target.attachedToTarget' && event.sessionId && this.sessions.has(event.sessionId)) {
      void this.watch(event.params.sessionId as string).catch(() => undefined);
      return;
    }
    if (!event.sessionId || !this.sessions.has(event.sessionId)) return;
    const p = event.params as Record<string, any>;
    switch (event.method) {
      case 'Runtime.consoleAPICalled':
        if (p.type === 'error' || p.type === 'assert') {
          this.log.errors.push(`console.${p.type}: ${(p.args as Array<{ value?: unknown; description?: string }>).map((a) => a.value ?? a.description).join(' ')}`);
        }
        break;
      case 'Runtime.exceptionThrown':
        this.log.errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
        break;
      case 'Log.entryAdded':
        if (p.entry?.level === 'error') this.log.errors.push(`log: ${p.entry.text} ${p.entry.url ?? ''}`);
        break;
      case 'Network.requestWillBeSent':
        this.log.requests.push(p.request.url as string);
        break;
      case 'Network.responseReceived':
        if (p.response.status >= 400) this.log.failures.push(`${p.response.status} ${p.response.url}`);
        break;
      case 'Network.loadingFailed':
        if (!p.canceled) this.log.failures.push(`failed ${p.errorText} (${p.type})`);
        break;
      case 'Page.loadEventFired':
        for (const resolve of this.loadWaiters) resolve();
        this.loadWaiters = [];
        break;
    }
  }

  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.loadWaiters.push(resolve));
    const result = await this.browser.send('Page.navigate', { url }, this.sessionId);
    if (result.errorText) throw new Error(`navigate ${url}: ${result.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.browser.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, this.sessionId);
    const details = result.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (details) throw new Error(`in the page: ${details.exception?.description ?? details.text}`);
    return (result.result as { value: T }).value;
  }

  /** Polls `expression` until it is truthy; returns its value. @throws after `timeoutMs`. */
  async waitFor<T>(expression: string, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${expression})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Closes the tab (and its workers). A page left open goes on running: the demos train until they
   * are closed, so a spec that visits several pages closes each when it has checked it, or the
   * earlier ones keep the CPU busy under the later ones.
   */
  async close(): Promise<void> {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const { data } = await this.browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, this.sessionId);
    return Buffer.from(data as string, 'base64');
  }
}
