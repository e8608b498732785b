/** Every spec of spec/explain/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('explain');
