/**
 * The README says the engine imports nothing from Node, so the same code runs in the browser. This
 * walks every module the engine (and the planner, reliability and validation libraries) reach and
 * checks that none imports a Node built-in, the Node-only helpers in src/node, or the CLI.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [resolve(srcDir, entry)];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const specs: string[] = [];
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) specs.push(m[1] ?? m[2]);
    seen.set(file, specs);
    for (const spec of specs) if (spec.startsWith('.')) stack.push(join(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return seen;
}

describe('the engine runs in a browser', () => {
  for (const entry of ['engine.ts', 'planner/plan.ts', 'reliability/analysis.ts', 'validation/run-validation.ts', 'serving/plan/serve-plan.ts', 'report/training-report.ts', 'report/serving-load-curve.ts', 'report/fabric-load-data.ts', 'fleet/workload/index.ts', 'interop/nccl-tests/calibrate.ts', 'interop/nccl-tests/preset-yaml.ts', 'interop/train-log/compare.ts', 'interop/hf-config.ts', 'interop/targets.ts', 'fleet/simulate-fleet.ts', 'fleet/fleet-model.ts', 'fleet/training-jobs.ts', 'fleet/building.ts', 'facility/index.ts', 'report/fleet-report.ts', 'report/facility-report.ts']) {
    it(`${entry} reaches no Node built-in, src/node or src/cli`, () => {
      const graph = reach(entry);
      // A real entry reaches several modules (the importer alone: the schemas and errors it stands on).
      expect(graph.size).toBeGreaterThan(entry.startsWith('interop/') ? 3 : 5);
      const offending: string[] = [];
      for (const [file, specs] of graph) {
        for (const spec of specs) {
          const bad = spec.startsWith('node:') || /\/(node|cli)\//.test(join(dirname(file), spec).slice(srcDir.length));
          const builtin = !spec.startsWith('.') && !spec.startsWith('node:') && ['fs', 'path', 'os', 'url', 'worker_threads', 'child_process'].includes(spec);
          if (bad || builtin) offending.push(`${file.slice(srcDir.length + 1)} imports ${spec}`);
        }
      }
      expect(offending).toEqual([]);
    });
  }
});

describe('the engine does not reach up', () => {
  it('engine.ts reaches nothing of the validation suite: a result carries its accuracyKey and the caller looks the record up', () => {
    const up = [...reach('engine.ts').keys()].map((f) => f.slice(srcDir.length + 1)).filter((f) => f.startsWith('validation/'));
    expect(up).toEqual([]);
  });
});
