/** Every spec of spec/data/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('data');
