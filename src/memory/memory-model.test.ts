import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { memoryByStage } from '../engine.js';
import { stateBytesPerParam } from './memory-model.js';

describe('memory model', () => {
  it('counts 18 bytes of state per parameter, 6 + 12/d with the distributed optimizer (Megatron-LM)', () => {
    const b = stateBytesPerParam({ gradReduceDtype: 'fp32', weightDtype: 'bf16' });
    expect(b.weights + b.grads + b.optimizer).toBe(18);
    const base = { system: 'dgx-a100-80g', model: 'gpt3-175b', tp: 8, pp: 8, gbs: 64, recompute: 'full' } as const;
    const s0 = scenario({ ...base, gpus: 64, zero: 0 });
    const s1 = scenario({ ...base, gpus: 64 * 4, zero: 1 });
    const m0 = memoryByStage(s0)[1];
    const m1 = memoryByStage(s1)[1];
    const params = m0.weightsBytes / 2;
    expect((m0.weightsBytes + m0.gradsBytes + m0.optimizerBytes) / params).toBeCloseTo(18, 6);
    expect((m1.weightsBytes + m1.gradsBytes + m1.optimizerBytes) / params).toBeCloseTo(6 + 12 / 4, 6);
  });
  it('keeps fp32 weights under autocast as their own master copy: 16 bytes of state, an fp32 residual stream', () => {
    const b = stateBytesPerParam({ gradReduceDtype: 'bf16', weightDtype: 'fp32' });
    expect(b.weights + b.grads + b.optimizer).toBe(16);
    expect(b.reducedGrads).toBe(2); // FSDP casts the gradients only to send them
    const base = { system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 1, pp: 1, gbs: 8, mbs: 1, zero: 3, recompute: 'full' } as const;
    const [bf16] = memoryByStage(scenario({ ...base, weightDtype: 'bf16' }));
    const [fp32] = memoryByStage(scenario({ ...base, weightDtype: 'fp32' }));
    // Checkpointed layer inputs: the residual stream is fp32 under autocast (the embedding is not cast).
    expect(fp32.activationsBytes).toBeGreaterThan(1.9 * bf16.activationsBytes);
  });
  it('says when the model does not fit', () => {
    const s = scenario({ system: 'dgx-a100-80g', model: 'gpt3-175b', gpus: 8, tp: 8, pp: 1, gbs: 8 });
    const worst = Math.max(...memoryByStage(s).map((m) => m.totalBytes));
    expect(worst).toBeGreaterThan(80 * 2 ** 30);
  });
  it('keeps the most activations on the first stage under 1F1B', () => {
    const s = scenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 64, tp: 8, pp: 8, gbs: 64, recompute: 'none' });
    const acts = memoryByStage(s).map((m) => m.activationsBytes);
    for (let i = 1; i < acts.length; i++) expect(acts[i]).toBeLessThanOrEqual(acts[i - 1] + 1);
  });
  it('never rises with a higher ZeRO stage (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('llama3-8b', 'gpt3-175b', 'llama3-70b'),
        fc.constantFrom(8, 16, 32, 64),
        fc.constantFrom(1, 2, 4, 8),
        fc.constantFrom('none', 'selective', 'selective-op', 'full'),
        fc.constantFrom('bf16', 'fp32'),
        (model, dp, tp, recompute, weightDtype) => {
          const peak = (zero: 0 | 1 | 2 | 3) =>
            Math.max(
              ...memoryByStage(
                scenario({ system: 'dgx-h100', model, gpus: dp * tp, tp, pp: 1, dp, gbs: dp * 2, zero, recompute: recompute as never, weightDtype: weightDtype as never }),
              ).map((m) => m.totalBytes),
            );
          const byStage = [peak(0), peak(1), peak(2), peak(3)];
          return byStage.every((x, i) => i === 0 || x <= byStage[i - 1] * (1 + 1e-12));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});

describe("memory under torchtitan's per-op selective checkpointing", () => {
  it('keeps less than no recompute and more than full recompute, and re-materializes a layer in the backward pass', () => {
    const base = { system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 1, pp: 1, gbs: 8, mbs: 1, seq: 8192, zero: 3, kernels: 'eager' } as const;
    const at = (recompute: 'none' | 'selective-op' | 'full') => memoryByStage(scenario({ ...base, recompute }))[0];
    expect(at('selective-op').activationsBytes).toBeLessThan(at('none').activationsBytes);
    expect(at('selective-op').activationsBytes).toBeGreaterThan(at('full').activationsBytes);
    expect(at('selective-op').transientBytes).toBeGreaterThanOrEqual(at('full').transientBytes);
  });
});
