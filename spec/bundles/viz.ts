/** Every spec of spec/viz/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('viz');
