/**
 * Writes the JSON Schemas of the three input axes and of a scenario file to
 * schema/, generated from the zod schemas (so they never drift; a test checks).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../src/config/json-schema.js';
import { packageRoot } from '../src/node/presets.js';

const dir = join(packageRoot(), 'schema');
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(dir, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schema/${name}.schema.json`);
}
