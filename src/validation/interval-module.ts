/** The text of the generated interval-table.ts (shared by the generator and its staleness test). */
import type { IntervalPool } from './interval.js';
import { generatedTableModule } from './generated-module.js';

export const intervalModule = (table: readonly IntervalPool[]): string => generatedTableModule('IntervalPool', './interval.js', 'INTERVALS', table);
