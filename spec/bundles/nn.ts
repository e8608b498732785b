/** Every spec of spec/nn/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('nn');
