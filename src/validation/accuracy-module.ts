/** The text of the generated accuracy-table.ts (shared by the generator and its staleness test). */
import type { AccuracyEntry } from './accuracy.js';
import { generatedTableModule } from './generated-module.js';

export const accuracyModule = (table: readonly AccuracyEntry[]): string => generatedTableModule('AccuracyEntry', './accuracy.js', 'ACCURACY', table);
