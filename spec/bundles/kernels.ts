/** Every spec of spec/kernels/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('kernels');
