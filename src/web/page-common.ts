/**
 * Small helpers every demo page uses: typed element lookup and the inline error line.
 *
 * Bad input never throws past a page's handler: the handler catches the library's typed error
 * (ConfigError, ShapeError, DataError — their messages say what was expected, what came and where)
 * and shows it next to the control that caused it, leaving whatever was running untouched.
 */
import type { PixelImage } from '../viz/image-grid.ts';

/** The element with this id, of the expected type. @throws Error when the page lacks it (a bug in the HTML). */
export function element<T extends Element>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page: #${id} is missing or not a ${type.name}`);
  return found;
}

/** Shows `error`'s message in the error line `target` (empty message = hide it). */
export function showError(target: HTMLElement, error: unknown): void {
  target.textContent = error === null ? '' : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A finite number from a text field, or a message naming the field. */
export function readNumber(input: HTMLInputElement, name: string): number {
  const text = input.value.trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new RangeError(`${name}: expected a number, got '${input.value}'`);
  return value;
}

/** Formats a number for a wire label: at most 3 decimals, no trailing zeros, no "-0". */
export function formatNumber(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Paints an RGB or grey PixelImage (the viz module's pictures) on `canvas`, shown `scale` times larger. */
export function paintPixels(canvas: HTMLCanvasElement, image: PixelImage, scale = 1): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.style.width = `${image.width * scale}px`;
  canvas.style.height = `${image.height * scale}px`;
  const rgba = new ImageData(image.width, image.height);
  const colour = image.channels >= 3;
  for (let i = 0; i < image.width * image.height; i++) {
    const at = i * image.channels;
    rgba.data[4 * i] = image.pixels[at]!;
    rgba.data[4 * i + 1] = image.pixels[colour ? at + 1 : at]!;
    rgba.data[4 * i + 2] = image.pixels[colour ? at + 2 : at]!;
    rgba.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}
