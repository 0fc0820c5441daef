/**
 * What a user writes: a flat scenario where every key is a CLI flag in
 * camelCase (`--kv-heads` is `kvHeads`). `system` and `model` name a preset or
 * describe one inline; model fields given beside a preset override it.
 */
import { z } from 'zod';
import { ClusterTwinError } from '../errors.js';
import { parseCount } from '../units.js';
import { ModelSpecSchema, FFN_ACTIVATIONS } from './model-schema.js';
import { SystemSpecSchema } from './system-schema.js';
import { ATTENTION_KERNELS, OverlapInputSchema, PRECISIONS, RECOMPUTE_MODES } from './execution-schema.js';

/** A count that may be written as `300e9`, `300B`, `16M`. */
const countField = (integer = true) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? parseCount(v) : v),
    integer ? z.number().int().positive() : z.number().positive(),
  );

const boolField = () =>
  z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const ScenarioInputSchema = z
  .object({
    system: z.union([z.string(), SystemSpecSchema]).optional(),
    gpus: countField().optional(),
    model: z.union([z.string(), ModelSpecSchema]).optional(),
    layers: countField().optional(),
    hidden: countField().optional(),
    heads: countField().optional(),
    kvHeads: countField().optional(),
    ffnHidden: countField().optional(),
    ffnAct: z.enum(FFN_ACTIVATIONS).optional(),
    vocab: countField().optional(),
    tied: boolField().optional(),
    seq: countField().optional(),
    gbs: countField().optional(),
    mbs: countField().optional(),
    tp: countField().optional(),
    pp: countField().optional(),
    dp: countField().optional(),
    cp: countField().optional(),
    ep: countField().optional(),
    vp: countField().optional(),
    sp: boolField().optional(),
    zero: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])).optional(),
    recompute: z.enum(RECOMPUTE_MODES).optional(),
    precision: z.enum(PRECISIONS).optional(),
    overlap: OverlapInputSchema.optional(),
    tokens: countField(false).optional(),
    layersPerStage: z.array(z.number().int().nonnegative()).optional(),
    attention: z.enum(ATTENTION_KERNELS).optional(),
    gradReduceDtype: z.enum(['fp32', 'bf16']).optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof ScenarioInputSchema>;
export type ScenarioInputParsed = z.infer<typeof ScenarioInputSchema>;

/** Keys a scenario accepts, for messages and the config reference. */
export const SCENARIO_KEYS = Object.keys(ScenarioInputSchema.shape);

/** Turns the first zod issue into one sentence naming the field and what is allowed. */
export function zodIssueToError(error: z.ZodError, prefix = ''): ClusterTwinError {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  let message: string;
  switch (issue.code) {
    case 'invalid_value':
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys':
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      break;
    case 'invalid_type':
      message = `expected ${issue.expected}${'input' in issue && issue.input === undefined ? ' (missing)' : ''}`;
      break;
    case 'too_small':
      message = `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}`;
      break;
    case 'too_big':
      message = `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
      break;
    case 'invalid_union':
      message = 'is neither a preset name nor a valid inline description';
      break;
    default:
      message = issue.message;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') message = 'expected a number (counts accept 300e9, 300B, 16M)';
  if (issue.code === 'invalid_type' && issue.expected === 'int') message = 'expected a whole number';
  return new ClusterTwinError('invalid_value', path, message);
}

/** Validates a scenario object (from a config file or flags). */
export function parseScenarioInput(input: unknown, prefix = ''): ScenarioInputParsed {
  const r = ScenarioInputSchema.safeParse(input);
  if (!r.success) throw zodIssueToError(r.error, prefix);
  return r.data;
}
