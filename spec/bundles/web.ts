/** Every spec of spec/web/ in one process (see import-specs.ts): the browser specs share one Chromium. */
import { importSpecs } from './import-specs.ts';

await importSpecs('web');
