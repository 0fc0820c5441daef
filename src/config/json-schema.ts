/**
 * JSON Schemas generated from the zod schemas: for editors (a scenario file
 * can point its `$schema` at them) and for the config reference.
 */
import { z } from 'zod';
import { ScenarioInputSchema } from './scenario-input.js';
import { SystemSpecSchema, GpuSpecSchema } from './system-schema.js';
import { ModelSpecSchema } from './model-schema.js';

export function jsonSchemas(): Record<string, unknown> {
  const opts = { io: 'input', unrepresentable: 'any' } as const;
  return {
    scenario: z.toJSONSchema(ScenarioInputSchema, opts),
    system: z.toJSONSchema(SystemSpecSchema, opts),
    gpu: z.toJSONSchema(GpuSpecSchema, opts),
    model: z.toJSONSchema(ModelSpecSchema, opts),
  };
}
