/**
 * The elementwise kernels of one transformer layer as eager PyTorch reference code runs them
 * (`kernels: eager`), next to the fused inventory in layer-kernels.ts.
 */
import type { ModelSpec } from '../config/model-schema.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { Kernel } from './kernel.js';
import { ACT_BYTES, elementwiseTokens, linearCalls, localTokens, residualStreamBytes, routedTokensPerGpu, type ShardShape } from './shard-shape.js';

/**
 * The same elementwise work as eager PyTorch reference code runs it: every op its own kernel and its
 * own pass over HBM. The inventory follows the reference implementations (Hugging Face Llama / GPT,
 * Meta's Llama reference, llm-foundry's MPT, torchtitan without fused kernels):
 *
 * - Under autocast over fp32 weights the embedding's output is fp32, so the residual stream, the
 *   residual adds and the norms' inputs and outputs are fp32 (autocast runs layer_norm in fp32), and
 *   every Linear that reads a norm's output casts it to 16 bits (read 4, write 2 bytes per element).
 *   Llama-family code projects q, k and v with three Linear modules and the SwiGLU gate and up with
 *   two, so the cast happens per consumer (GPT-2, NeoX and MPT fuse QKV into one).
 * - LayerNorm is PyTorch's native kernel (read, write). RMSNorm is the reference formula, five ops:
 *   x.float(), pow(2), mean, x * rsqrt(var + eps), weight * x.to(input dtype). MPT's low-precision
 *   LayerNorm casts an fp32 input to 16 bits, then runs the native kernel there; its output needs no
 *   cast.
 * - Rotary embeddings: rotate_half (neg of one half, cat), q * cos, rotate_half(q) * sin, add; for q
 *   and for k.
 * - SwiGLU: silu(gate), then silu * up; GELU is one kernel.
 */
export function elementwiseForwardEager(m: ModelSpec, s: ShardShape): Kernel[] {
  const te = elementwiseTokens(s);
  const t = localTokens(s);
  const h = m.hidden;
  const d = headDim(m);
  const f = expertFfnHidden(m);
  const x = te * h;
  const mlpElems = m.moe ? routedTokensPerGpu(m, s) * f : (t * f) / s.tp;
  const r = residualStreamBytes(s); // the residual stream and the norms' outputs
  const mem = (name: string, bytes: number): Kernel => ({ kind: 'memory', name, bytes });
  // MPT's low-precision LayerNorm casts its input to 16 bits first and normalizes there.
  const lowPrecision = m.norm === 'low-precision-layernorm';
  const norm = (name: string): Kernel[] => {
    if (lowPrecision) return [...(r === 4 ? [mem(`${name}.downcast`, 6 * x)] : []), mem(name, 2 * ACT_BYTES * x)];
    if (m.norm === 'layernorm') return [mem(name, 2 * r * x)];
    return [
      ...(r === 2 ? [mem(`${name}.float`, 6 * x)] : []),
      mem(`${name}.pow`, 8 * x),
      mem(`${name}.mean`, 4 * x),
      mem(`${name}.rsqrt-mul`, 8 * x),
      ...(r === 2 ? [mem(`${name}.to-input-dtype`, 6 * x)] : []),
      mem(`${name}.weight-mul`, 2 * r * x),
    ];
  };
  const castsFor = (name: string, consumers: number): Kernel[] =>
    r === 4 && !lowPrecision ? Array.from({ length: consumers }, (_, i) => mem(`${name}.autocast-${i}`, 6 * x)) : [];
  const residual = (name: string): Kernel[] => [
    ...(m.dropout ? [mem(`${name}.dropout`, 5 * x)] : []),
    mem(name, (2 * r + ACT_BYTES) * x),
  ];
  // Each Linear reading a norm's output casts it: q, k and v apart or fused QKV; w1 and w3 apart or FC1.
  const calls = linearCalls(m, s).map((g) => g.name);
  const reading = (names: string[]): number => calls.filter((n) => names.includes(n)).length;
  const out: Kernel[] = [...norm('norm1'), ...castsFor('norm1', reading(['q', 'k', 'v', 'qkv']))];
  if (m.positional === 'rope') {
    for (const [which, heads] of [['q', m.heads], ['k', m.kvHeads]] as const) {
      const e = (t * heads * d) / s.tp;
      out.push(mem(`rotary-${which}.rotate-half`, 3 * ACT_BYTES * e), mem(`rotary-${which}.cos`, 2 * ACT_BYTES * e));
      out.push(mem(`rotary-${which}.sin`, 2 * ACT_BYTES * e), mem(`rotary-${which}.add`, 3 * ACT_BYTES * e));
    }
  }
  out.push(...residual('residual1'), ...norm('norm2'), ...castsFor('norm2', reading(['w1', 'w3', 'fc1'])));
  if (m.ffnAct === 'swiglu') out.push(mem('silu', 2 * ACT_BYTES * mlpElems), mem('gate-mul', 3 * ACT_BYTES * mlpElems));
  else out.push(mem('activation', 2 * ACT_BYTES * mlpElems));
  out.push(...residual('residual2'));
  if (m.moe) out.push(mem('moe-permute', 4 * ACT_BYTES * t * h * m.moe.topK));
  return out;
}
