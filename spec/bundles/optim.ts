/** Every spec of spec/optim/ in one process (see import-specs.ts). */
import { importSpecs } from './import-specs.ts';

await importSpecs('optim');
