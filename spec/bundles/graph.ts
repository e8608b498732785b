/** Every spec of spec/graph/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('graph');
