/** Every spec of spec/formats/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('formats');
