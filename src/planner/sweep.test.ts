import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { resolveGpu } from '../config/catalog.js';
import { errorOf } from '../../test/support/errors.js';
import { checkSweep, csvHeader, csvLine, parseSweepAxis, sweepBase, sweepCombos, sweepInput, sweepRecord, sweepSize } from './sweep.js';

describe('sweep axes', () => {
  it.each([
    ['node.nicGbps=200,400,800', { kind: 'system', keys: ['node', 'nicGbps'] }, [200, 400, 800]],
    ['system.fabric.oversubscription=1..4', { kind: 'system', keys: ['fabric', 'oversubscription'] }, [1, 2, 4]],
    ['gpu=h100-sxm-80g,h200-sxm-141g', { kind: 'system', keys: ['gpu'] }, ['h100-sxm-80g', 'h200-sxm-141g']],
    ['model.layers=32,40', { kind: 'model', keys: ['layers'] }, [32, 40]],
    ['gbs=512..2048', { kind: 'scenario', key: 'gbs' }, [512, 1024, 2048]],
    ['overlap=tp,dp|dp', { kind: 'scenario', key: 'overlap' }, ['tp,dp', 'dp']],
    ['sp=true,false', { kind: 'scenario', key: 'sp' }, [true, false]],
    ['tokens=300B,1.5T', { kind: 'scenario', key: 'tokens' }, [300e9, 1.5e12]],
  ])('%s', (text, target, values) => {
    const axis = parseSweepAxis(text);
    expect(axis.target).toEqual(target);
    expect(axis.values).toEqual(values);
  });

  it.each([
    ['node.nicGbs=100', /unknown field system\.node\.nicGbs; fields of system\.node: gpusPerNode, .*nicGbps/],
    ['nodes=1', /unknown field "nodes"/],
    ['model.depth=3', /unknown field model\.depth/],
    ['gbs', /is not field=values/],
    ['gbs=1,,2', /empty value/],
  ])('rejects %s', (text, message) => {
    const e = errorOf(() => parseSweepAxis(text));
    expect(e.path).toBe('--set');
    expect(e.message).toMatch(message);
  });

  it('runs through every combination, the last axis fastest', () => {
    const axes = [parseSweepAxis('gbs=1,2'), parseSweepAxis('seq=10,20,30')];
    expect(sweepSize(axes)).toBe(6);
    expect([...sweepCombos(axes)]).toEqual([[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30]]);
  });
});

const base = parseScenarioInput({ system: 'dgx-h100', model: 'llama3-70b', gpus: 256, tp: 8, pp: 4, seq: 4096, gbs: 256 });

describe('sweep rows', () => {
  it('overrides a nested system field and keeps the rest of the preset', () => {
    const axes = [parseSweepAxis('node.nicGbps=800')];
    const s = resolveScenario(sweepInput(base, axes, [800], catalog), catalog);
    const preset = resolveScenario(base, catalog);
    expect(s.system.node.nicGbps).toBe(800);
    expect({ ...s.system, node: { ...s.system.node, nicGbps: 400 } }).toEqual(preset.system);
  });

  it('turns a GPU preset into an inline GPU to change one of its fields', () => {
    const axes = [parseSweepAxis('gpu.hbmGiB=141')];
    const s = resolveScenario(sweepInput(base, axes, [141], catalog), catalog);
    expect(s.system.gpu).toEqual({ ...resolveGpu(catalog, 'h100-sxm-80g'), hbmGiB: 141 });
  });

  it('swaps the GPU for another preset', () => {
    const axes = [parseSweepAxis('gpu=h200-sxm-141g')];
    expect(resolveScenario(sweepInput(base, axes, ['h200-sxm-141g'], catalog), catalog).system.gpu.name).toBe('h200-sxm-141g');
  });

  it('faster NICs never slow a step down', () => {
    const axes = [parseSweepAxis('node.nicGbps=50..1600')];
    const steps = [...sweepCombos(axes)].map((c) => evaluateScenario(resolveScenario(sweepInput(base, axes, c, catalog), catalog)).stepTimeSeconds);
    expect(steps).toHaveLength(6);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeLessThanOrEqual(steps[i - 1]);
    expect(steps[steps.length - 1]).toBeLessThan(steps[0]);
  });

  it('checks every value before any row runs', () => {
    expect(() => checkSweep(base, [parseSweepAxis('node.nicGbps=400,-1')], catalog)).toThrow(/node\.nicGbps=-1: system\.node\.nicGbps: expected a number above 0/);
    expect(() => checkSweep(base, [parseSweepAxis('system=dgx-h100,dgx-h10')], catalog)).toThrow(/system=dgx-h10: .*unknown system preset/);
    expect(() => checkSweep(base, [], catalog)).toThrow(/at least one field/);
    expect(() => checkSweep(base, [parseSweepAxis('node.nicGbps=1..1000:1'), parseSweepAxis('gbs=1..1000:1')], catalog)).toThrow(/more than 100,000/);
  });

  it('drops the split it was given by default when the machine or the model changes, not when a link speeds up', () => {
    const none = new Set<string>();
    expect(sweepBase(base, [parseSweepAxis('node.nicGbps=1')], none).tp).toBe(8);
    expect(sweepBase(base, [parseSweepAxis('gpus=64')], none).tp).toBeUndefined();
    expect(sweepBase(base, [parseSweepAxis('gpus=64')], new Set(['tp'])).tp).toBe(8);
    const overModels = sweepBase(base, [parseSweepAxis('model=llama3-8b')], none);
    expect([overModels.pp, overModels.seq, overModels.gbs]).toEqual([undefined, undefined, undefined]);
    expect(sweepBase(base, [parseSweepAxis('node.nicGbps=1')], none, { plan: true }).tp).toBeUndefined();
  });

  it('writes rows as CSV with the varied fields first, quoting what needs it', () => {
    const axes = [parseSweepAxis('tp=8,3')];
    const ok = sweepRecord(axes, [8], evaluateScenario(resolveScenario({ ...base, tp: 8 }, catalog)));
    const bad = sweepRecord(axes, [3], { error: 'tp: TP 3 must divide the heads; allowed: 1, 2' });
    expect(csvHeader(axes).startsWith('tp,system,model,gpus,')).toBe(true);
    expect(csvLine(axes, ok).startsWith('8,dgx-h100,llama3-70b,256,4096,256,4,')).toBe(true);
    expect(csvLine(axes, bad)).toMatch(/^3,,,.*,"tp: TP 3 must divide the heads; allowed: 1, 2"$/);
    expect(csvLine(axes, ok).split(',')).toHaveLength(csvHeader(axes).split(',').length);
  });
});
