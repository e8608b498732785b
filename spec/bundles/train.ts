/** Every spec of spec/train/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('train');
