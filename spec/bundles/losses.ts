/** Every spec of spec/losses/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('losses');
