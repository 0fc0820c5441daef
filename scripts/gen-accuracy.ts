/**
 * Writes src/validation/accuracy-table.ts from the validation suite, so that
 * `simulate` can state how close the twin came to published runs on the same
 * GPU and precision, and src/validation/serving-accuracy-table.ts, so that `serve`
 * can for its GPU and framework, and src/validation/interval-table.ts, the pools of residuals every
 * prediction's interval is drawn from, and the README's validate block (`validate --markdown`); a test checks
 * each is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPresets, packageRoot } from '../src/node/presets.js';
import { loadValidationData } from '../src/node/validation-data.js';
import { runValidation } from '../src/validation/run-validation.js';
import { accuracyTable } from '../src/validation/accuracy.js';
import { accuracyModule } from '../src/validation/accuracy-module.js';
import { intervalTable, residualsOf } from '../src/validation/interval.js';
import { intervalModule } from '../src/validation/interval-module.js';
import { reportMarkdown } from '../src/validation/markdown.js';
import { applyBlocks } from './readme-blocks.js';
import { servingAccuracyModule, servingAccuracyTable } from '../src/validation/serving-accuracy.js';

const rep = runValidation(loadValidationData(), loadPresets());
const table = accuracyTable(rep);
const file = join(packageRoot(), 'src', 'validation', 'accuracy-table.ts');
writeFileSync(file, accuracyModule(table));
console.log(`wrote src/validation/accuracy-table.ts (${table.length} GPU and precision pairs)`);
const serving = servingAccuracyTable(rep);
writeFileSync(join(packageRoot(), 'src', 'validation', 'serving-accuracy-table.ts'), servingAccuracyModule(serving));
console.log(`wrote src/validation/serving-accuracy-table.ts (${serving.length} GPU, framework and metric groups)`);
const intervals = intervalTable(residualsOf(rep));
writeFileSync(join(packageRoot(), 'src', 'validation', 'interval-table.ts'), intervalModule(intervals));
console.log(`wrote src/validation/interval-table.ts (${intervals.length} pools of residuals)`);
const readmePath = join(packageRoot(), 'README.md');
writeFileSync(readmePath, applyBlocks(readFileSync(readmePath, 'utf8'), { validate: reportMarkdown(rep) }));
console.log('wrote README.md (validate block)');
