import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPresets, packageRoot } from '../node/presets.js';
import { PRESET_KINDS, presetCatalogFromFiles } from './preset-files.js';

describe('presetCatalogFromFiles', () => {
  it('names presets by file, in file-name order, and skips files that are not YAML', () => {
    const c = presetCatalogFromFiles([
      { kind: 'models', file: 'b.yaml', text: 'layers: 2' },
      { kind: 'models', file: 'a.yml', text: 'layers: 1' },
      { kind: 'models', file: 'README.md', text: '# not a preset' },
      { kind: 'elsewhere', file: 'c.yaml', text: 'x: 1' },
    ]);
    expect(Object.keys(c.models)).toEqual(['a', 'b']);
    expect(c.models.a).toEqual({ layers: 1 });
    expect(Object.keys(c).sort()).toEqual([...PRESET_KINDS].sort());
    expect(c.systems).toEqual({});
  });

  it('is what the Node loader reads: every YAML file under presets/ by kind, in file-name order', () => {
    const catalog = loadPresets();
    for (const kind of PRESET_KINDS) {
      const files = readdirSync(join(packageRoot(), 'presets', kind)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => f.replace(/\.ya?ml$/, ''));
      expect(Object.keys(catalog[kind])).toEqual(files);
    }
    expect((catalog.scenarios.default as Record<string, unknown>).model).toBe('gpt3-175b');
  });
});
