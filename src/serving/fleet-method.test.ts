import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import { ClusterTwinError } from '../errors.js';
import { chooseFleetMethod, FLEET_SHORTCUT_MIN_REPLICAS } from './fleet-method.js';
import { serve, type ServeInput } from './serve.js';

const system = resolveSystem(catalog, 'dgx-h100');
const model = resolveModel(catalog, 'llama3.1-8b');
/** A fleet at 3 requests/s a replica for two minutes: light, so every replica keeps up. */
const fleet = (replicas: number, extra: Partial<ServeInput> = {}): ServeInput => ({
  system, model, tp: 1, replicas, isl: 512, osl: 128, seed: 4, routing: 'random',
  load: { kind: 'poisson', ratePerSecond: 3 * replicas, durationSeconds: 120 },
  ...extra,
});

describe('how serve simulates a fleet', () => {
  it(`simulates every replica below ${FLEET_SHORTCUT_MIN_REPLICAS} replicas and for closed loops; one standing for all from there under Poisson`, () => {
    expect(chooseFleetMethod(1, 'poisson')).toBe('exact');
    expect(chooseFleetMethod(FLEET_SHORTCUT_MIN_REPLICAS - 1, 'poisson')).toBe('exact');
    expect(chooseFleetMethod(FLEET_SHORTCUT_MIN_REPLICAS, 'poisson')).toBe('shortcut');
    expect(chooseFleetMethod(1000, 'closed')).toBe('exact');
    expect(chooseFleetMethod(1000, 'poisson', 'exact')).toBe('exact');
    expect(chooseFleetMethod(2, 'poisson', 'shortcut')).toBe('shortcut');
  });

  it('refuses the shortcut for a load that is not Poisson, and an unknown method, naming the field', () => {
    for (const f of [() => chooseFleetMethod(20, 'closed', 'shortcut'), () => chooseFleetMethod(20, 'poisson', 'fast' as never)]) {
      expect(f).toThrow(ClusterTwinError);
      expect(f).toThrow(/^fleetMethod: /);
    }
  });

  it('the shortcut reports the fleet: counts scaled, the method and its assumption in the notes; exact stays available and agrees on throughput', () => {
    const R = FLEET_SHORTCUT_MIN_REPLICAS;
    const shortcut = serve(fleet(R));
    const exact = serve(fleet(R, { fleetMethod: 'exact' }));
    expect(shortcut.config.fleetMethod).toBe('shortcut');
    expect(exact.config.fleetMethod).toBe('exact');
    expect(shortcut.notModelled.some((n) => n.includes('fleet method shortcut') && n.includes(`multiplied by ${R}`))).toBe(true);
    expect(exact.notModelled.some((n) => n.includes('fleet method'))).toBe(false);
    // Counts are one replica's times R: multiples of R, near the fleet's arrivals (3 x 16 a second for 120 s: 5,760).
    expect(shortcut.requests.arrived % R).toBe(0);
    expect(shortcut.requests.finished).toBe(shortcut.requests.arrived);
    expect(Math.abs(shortcut.requests.arrived / exact.requests.arrived - 1)).toBeLessThan(0.15);
    // Random routing splits the stream into independent Poisson streams: throughput and TPOT agree (sampling noise over 2 min).
    expect(Math.abs(shortcut.outputTokensPerSecond / exact.outputTokensPerSecond - 1)).toBeLessThan(0.15);
    expect(Math.abs(shortcut.tpotSeconds.p50 / exact.tpotSeconds.p50 - 1)).toBeLessThan(0.1);
    expect(shortcut.gpus).toBe(exact.gpus);
  });
});
