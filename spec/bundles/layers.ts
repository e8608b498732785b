/** Every spec of spec/layers/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('layers');
