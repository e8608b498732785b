/** Every spec of spec/tensor/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('tensor');
