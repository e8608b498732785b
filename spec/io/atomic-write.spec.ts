import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { temporaryPathFor, writeFileAtomic, writeFileAtomicSync } from '../../src/io/atomic-write.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-write-spec-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Names in `folder` that look like our temporary files (".name.pid.hex.tmp"). */
const leftovers = (folder: string): string[] => fs.readdirSync(folder).filter((name) => name.endsWith('.tmp'));

for (const [label, write] of [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (file: string, contents: string | Uint8Array) => writeFileAtomicSync(file, contents)],
] as const) {
  describe(label, () => {
    it('writes text, creating the parent folders, and leaves no temporary file', async () => {
      const file = path.join(root, label, 'deep', 'er', 'model.json');
      await write(file, '{"format":"convnet-ts"}\n');
      assert.equal(fs.readFileSync(file, 'utf8'), '{"format":"convnet-ts"}\n');
      assert.deepEqual(leftovers(path.dirname(file)), []);
    });

    it('writes bytes and replaces an existing file completely', async () => {
      const file = path.join(root, label, 'weights.bin');
      await write(file, new Uint8Array(1000).fill(9));
      const bytes = Uint8Array.of(0, 1, 2, 255);
      await write(file, bytes);
      assert.deepEqual([...fs.readFileSync(file)], [...bytes]);
      assert.deepEqual(leftovers(path.dirname(file)), []);
    });

    it('on failure leaves the old file intact and removes the temporary file', async () => {
      const folder = path.join(root, label, 'failing');
      const file = path.join(folder, 'target');
      // A folder in the target's place: the final rename fails (a file cannot replace a folder).
      fs.mkdirSync(file, { recursive: true });
      fs.writeFileSync(path.join(file, 'inside.txt'), 'old');
      await assert.rejects(() => write(file, 'new contents'));
      assert.equal(fs.readFileSync(path.join(file, 'inside.txt'), 'utf8'), 'old');
      assert.deepEqual(leftovers(folder), []);
    });
  });
}

describe('temporaryPathFor', () => {
  it('is a hidden, unique file in the same folder as the target', () => {
    const target = path.join(root, 'x', 'checkpoint.json');
    const first = temporaryPathFor(target);
    const second = temporaryPathFor(target);
    assert.equal(path.dirname(first), path.dirname(target));
    assert.match(path.basename(first), new RegExp(`^\\.checkpoint\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    assert.notEqual(first, second);
  });
});
