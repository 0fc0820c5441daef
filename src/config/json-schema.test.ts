import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../node/presets.js';
import { jsonSchemas } from './json-schema.js';
import { SCENARIO_KEYS } from './scenario-input.js';

describe('checked-in JSON Schemas', () => {
  it('match the zod schemas (run `npm run schema` after changing them)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const onDisk = JSON.parse(readFileSync(join(packageRoot(), 'schema', `${name}.schema.json`), 'utf8'));
      expect(onDisk).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
  it('every scenario field is in the README config reference', () => {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    for (const key of SCENARIO_KEYS) expect(readme).toContain(`\`${key}\``);
  });
});
