/**
 * Writes src/validation/accuracy-table.ts from the validation suite, so that
 * `simulate` can state how close the twin came to published runs on the same
 * GPU and precision (a test checks the file is current).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPresets, packageRoot } from '../src/node/presets.js';
import { loadValidationData } from '../src/node/validation-data.js';
import { runValidation } from '../src/validation/run-validation.js';
import { accuracyTable } from '../src/validation/accuracy.js';
import { accuracyModule } from '../src/validation/accuracy-module.js';

const table = accuracyTable(runValidation(loadValidationData(), loadPresets()));
const file = join(packageRoot(), 'src', 'validation', 'accuracy-table.ts');
writeFileSync(file, accuracyModule(table));
console.log(`wrote src/validation/accuracy-table.ts (${table.length} GPU and precision pairs)`);
