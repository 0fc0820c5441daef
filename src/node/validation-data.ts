/** Reads the validation suite's data files (validation/*.yaml, and the serving runs' CSV). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ValidationData } from '../validation/run-validation.js';
import { packageRoot } from './presets.js';

export function loadValidationData(): ValidationData {
  const dir = join(packageRoot(), 'validation');
  const read = (name: string): unknown => parse(readFileSync(join(dir, name), 'utf8'));
  return { collectives: read('collectives.yaml'), training: read('training.yaml'), serving: readFileSync(join(dir, 'serving-h100-agg.csv'), 'utf8') };
}
