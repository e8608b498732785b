/** Every spec of spec/io/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('io');
