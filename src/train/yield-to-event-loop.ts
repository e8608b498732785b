/**
 * `await yieldToEventLoop()` lets everything queued on the event loop run — signal handlers, timers,
 * I/O callbacks, a browser page's button clicks — before the caller goes on. A training loop awaits it
 * between steps: a synchronous loop would hold the thread for the whole run, so Ctrl-C (SIGINT),
 * SIGTERM or a "pause" button could only act after training ended.
 *
 * It waits for a macrotask, not a microtask (a resolved promise would run before the event loop gets
 * its turn). setImmediate (Node, Bun) costs a few microseconds; where it is missing (browsers,
 * Deno), a MessageChannel message does the same without setTimeout's 1–4 ms minimum delay.
 * Portable: no node:* imports — only globals, looked up at run time.
 */
type Schedule = (callback: () => void) => void;

const globals = globalThis as unknown as {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: new () => { port1: { onmessage: (() => void) | null; close(): void }; port2: { postMessage(value: unknown): void; close(): void } };
};

function pickSchedule(): Schedule {
  if (typeof globals.setImmediate === 'function') {
    const setImmediate = globals.setImmediate;
    return (callback) => {
      setImmediate(callback);
    };
  }
  if (typeof globals.MessageChannel === 'function') {
    const MessageChannelClass = globals.MessageChannel;
    return (callback) => {
      const channel = new MessageChannelClass();
      channel.port1.onmessage = () => {
        channel.port1.close();
        callback();
      };
      channel.port2.postMessage(null);
    };
  }
  return (callback) => {
    setTimeout(callback, 0);
  };
}

const schedule = pickSchedule();

/** Resolves after one turn of the event loop (see the header). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => schedule(resolve));
}
