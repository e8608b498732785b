/** Every spec of spec/parallel/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('parallel');
