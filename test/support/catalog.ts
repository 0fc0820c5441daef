/** Shared fixtures for tests: the built-in catalog and quick scenario builders. */
import { loadPresets } from '../../src/node/presets.js';
import { resolveScenario } from '../../src/engine.js';
import type { ScenarioInput } from '../../src/config/scenario-input.js';
import type { Scenario } from '../../src/config/resolve.js';

export const catalog = loadPresets();

export function scenario(input: ScenarioInput): Scenario {
  return resolveScenario(input, catalog);
}

/** The default scenario as `clustertwin simulate` runs it. */
export const defaultInput = catalog.scenarios.default as ScenarioInput;
