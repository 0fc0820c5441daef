import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkLayers } from '../parallel/stage-split.js';
import { peakInFlight, stageOrder } from './pipeline-schedule.js';
import { stagePeakInFlight } from './in-flight.js';

describe('stagePeakInFlight', () => {
  it('matches walking the whole schedule, for 1F1B and interleaved 1F1B', () => {
    const params = fc
      .record({ pp: fc.integer({ min: 1, max: 12 }), vp: fc.integer({ min: 1, max: 6 }), rounds: fc.integer({ min: 1, max: 8 }), extra: fc.integer({ min: 0, max: 9 }), stageSeed: fc.nat(), layersExtra: fc.integer({ min: 0, max: 9 }) })
      .map(({ pp, vp, rounds, extra, stageSeed, layersExtra }) => {
        const v = pp === 1 ? 1 : vp;
        // Interleaving needs the micro-batches in multiples of PP; plain 1F1B takes any count.
        const microbatches = v > 1 ? rounds * pp : rounds + extra;
        return { pp, vp: v, microbatches, stage: stageSeed % pp, layers: v + layersExtra };
      });
    fc.assert(
      fc.property(params, ({ pp, vp, microbatches, stage, layers }) => {
        const chunks = chunkLayers(layers, vp);
        const walked = peakInFlight(stageOrder(stage, pp, vp, microbatches), chunks);
        expect(stagePeakInFlight(stage, pp, vp, microbatches, chunks)).toEqual(walked);
      }),
      { numRuns: 2000 },
    );
  });

  it('holds pp - stage micro-batches on each stage under 1F1B', () => {
    expect(stagePeakInFlight(0, 8, 1, 64, [10])).toEqual({ layerMicrobatches: 80, firstChunkMicrobatches: 8 });
    expect(stagePeakInFlight(7, 8, 1, 64, [10])).toEqual({ layerMicrobatches: 10, firstChunkMicrobatches: 1 });
    expect(stagePeakInFlight(0, 8, 1, 3, [10])).toEqual({ layerMicrobatches: 30, firstChunkMicrobatches: 3 });
  });
});
