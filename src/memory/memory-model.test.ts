import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { memoryByStage } from '../engine.js';
import { autocastWeightCacheBytes, freesGradsBetweenSteps, layerParamsPerGpu, stateBytesPerParam } from './memory-model.js';
import { EAGER_LOSS_BYTES_PER_LOGIT, layerActivationBytes, logitsActivationBytes } from './activations.js';
import { layerNormParams } from '../model/transformer.js';
import { shardShape } from '../schedule/step-costs.js';

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

describe('memory of PyTorch-native (eager) training loops', () => {
  // Llama 2 7B shape, FSDP over 8 GPUs, full activation checkpointing: the ATorch runs' setting.
  const base = {
    system: 'dgx-a100-80g', model: 'llama3-8b', kvHeads: 32, ffnHidden: 11008, vocab: 32000, gpus: 8, tp: 1, pp: 1, gbs: 32, mbs: 4, seq: 4096,
    zero: 3, recompute: 'full', weightDtype: 'fp32', kernels: 'eager', autocastCache: 'forward', // FSDP2-like leaf weights
  } as const;
  const at = (over: Record<string, unknown> = {}) => memoryByStage(scenario({ ...base, ...over } as never))[0];

  it("holds autocast's 16-bit copy of every Linear weight at the end of the forward pass, unless FSDP1's flat parameters keep it empty", () => {
    const s = scenario(base as never);
    const linear = s.model.layers * (layerParamsPerGpu(s.model, s.exec) - layerNormParams(s.model)) + s.model.vocab * s.model.hidden;
    expect(autocastWeightCacheBytes(s.model, s.exec, 0, s.model.layers)).toBe(2 * linear);
    expect(at().transientBytes - at({ autocastCache: 'none' }).transientBytes).toBeCloseTo(2 * linear, -3);
    // Without recompute autograd keeps the copies for the backward pass whatever the cache does.
    const none = scenario({ ...base, recompute: 'none', autocastCache: 'none' } as never);
    expect(autocastWeightCacheBytes(none.model, none.exec, 0, none.model.layers)).toBe(2 * linear);
    // 16-bit weights are not cast at all.
    const bf16 = scenario({ ...base, weightDtype: 'bf16' } as never);
    expect(autocastWeightCacheBytes(bf16.model, bf16.exec, 0, bf16.model.layers)).toBe(0);
  });

  it('counts no gradients at the end of the forward pass where the loop sets them to None, and keeps Megatron\'s buffers', () => {
    expect(freesGradsBetweenSteps({ kernels: 'eager' })).toBe(true);
    expect(freesGradsBetweenSteps({ kernels: 'fused' })).toBe(false);
    expect(at().gradsBytes).toBe(0);
    const fused = at({ kernels: 'fused' });
    expect(fused.gradsBytes).toBeGreaterThan(0);
    // Twelve bytes of state per parameter at the peak (fp32 weights and two Adam moments), sharded 8 ways.
    expect((at().weightsBytes + at().optimizerBytes) / (fused.gradsBytes / 4)).toBeCloseTo(12, 6);
  });

  it("keeps an eager loss's fp32 logits, their shifted copy and log_softmax's output: 12 bytes a logit against a fused loss's 6", () => {
    const s = scenario(base as never);
    const shape = shardShape(s.exec);
    const logits = base.mbs * base.seq * base.vocab;
    const rest = 2 * base.mbs * base.seq * s.model.hidden; // the final norm's output
    expect(logitsActivationBytes(s.model, shape, 'eager')).toBe(EAGER_LOSS_BYTES_PER_LOGIT * logits + rest);
    expect(logitsActivationBytes(s.model, shape, 'fused')).toBe(6 * logits + rest);
    expect(scenario({ ...base } as never).exec.lossKernel).toBe('eager'); // follows the kernel style
    expect(scenario({ ...base, lossKernel: 'fused' } as never).exec.lossKernel).toBe('fused');
  });

  it("keeps MPT's low-precision LayerNorm input in 16 bits where a LayerNorm keeps the fp32 residual stream", () => {
    const mpt = { system: 'dgx-a100-80g', model: 'mpt-7b', gpus: 8, tp: 1, pp: 1, gbs: 8, mbs: 1, zero: 3, recompute: 'none', weightDtype: 'fp32' } as const;
    const lp = scenario(mpt);
    const ln = scenario({ ...mpt } as never);
    ln.model = { ...ln.model, norm: 'layernorm' };
    const h = lp.model.hidden;
    const tokens = lp.exec.seq;
    // Two norms per layer, 4 - 2 bytes each per element.
    expect(layerActivationBytes(ln.model, shardShape(ln.exec)) - layerActivationBytes(lp.model, shardShape(lp.exec))).toBe(2 * 2 * tokens * h);
  });

  it('adds the gathered ZeRO-3 unit to whatever else is alive: a layer for FSDP, a bucket for DeepSpeed', () => {
    const layer = at({ zero: 3 });
    const bucket = at({ zero: 3, zeroBucketParams: 5e7 });
    const s = scenario(base as never);
    const gap = 2 * (layerParamsPerGpu(s.model, s.exec) - 5e7) * 4; // fp32 weights gathered
    expect(layer.transientBytes - bucket.transientBytes).toBeCloseTo(gap, -3);
  });
});
