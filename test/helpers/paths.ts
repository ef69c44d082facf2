import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, from build/test/helpers where the compiled tests run. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
