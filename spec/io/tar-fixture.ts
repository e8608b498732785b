/**
 * Builds small ustar archives in memory for specs (a writer is not part of the library, which only
 * reads tar). The checksum is computed here independently of src/io/tar.ts, so a wrong checksum
 * rule in the reader cannot be hidden by the same rule in the fixture.
 */
export interface FixtureEntry {
  name: string;
  data?: Uint8Array | string;
  /** Type flag, default '0' (file); '5' directory, 'x' pax header, 'L' GNU long name. */
  typeflag?: string;
  /** POSIX ustar prefix field (offset 345). */
  prefix?: string;
  /** Override the magic field (offset 257, 6 bytes) — e.g. 'ustar ' for the GNU variant. */
  magic?: string;
}

export function textBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One 512-byte header for `entry` with `size` bytes of data. */
export function tarHeader(entry: FixtureEntry, size: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string): void => header.set(textBytes(text), offset);
  put(0, entry.name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, size.toString(8).padStart(11, '0') + '\0');
  put(136, '11211644000\0'); // mtime 2009-06-01
  put(156, entry.typeflag ?? '0');
  put(257, entry.magic ?? 'ustar\0');
  put(263, '00');
  if (entry.prefix) put(345, entry.prefix);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/** A whole archive: each entry's header, its data padded to 512, then two zero blocks. */
export function buildTar(entries: FixtureEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? textBytes(entry.data) : (entry.data ?? new Uint8Array(0));
    parts.push(tarHeader(entry, data.length));
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    parts.push(padded);
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A pax extended-header payload: records "<len> key=value\n", <len> counting the whole record. */
export function paxRecords(fields: Record<string, string>): string {
  let text = '';
  for (const [key, value] of Object.entries(fields)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length++;
    text += `${length}${body}`;
  }
  return text;
}
