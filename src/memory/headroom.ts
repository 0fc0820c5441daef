/**
 * The headroom a plan must leave on each GPU, above what the memory model
 * counts. The model already counts the preset's `runtimeReserveGiB` (3 GiB
 * on the 80 GB parts: the CUDA context, 0.5-0.9 GB measured on A100, and
 * NCCL's buffers); what it cannot count is the PyTorch caching allocator's
 * fragmentation, which grows with the tensors a step allocates and frees:
 *
 * - GMLake (Guo et al., ASPLOS 2024, arXiv 2401.08156): on A100 80 GB, over
 *   eight LLMs trained with recompute, ZeRO or LoRA, a defragmenting
 *   allocator saves 9.2 GB on average (up to 25 GB) against PyTorch's, i.e.
 *   fragmentation 15% on average (up to 33%).
 * - STWeaver (Huang et al. 2025, arXiv 2507.16274): PyTorch's default
 *   allocator wastes up to 43% of memory under virtual pipeline stages and
 *   recompute.
 * - NVIDIA's Megatron-Bridge memory-tuning guide: its memory estimator leaves
 *   out allocator fragmentation and CUDA/NCCL workspace, so borderline runs
 *   go out of memory; it sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True.
 *
 * 10% of HBM (7.9 GiB on an 80 GB GPU, on top of the 3 GiB reserve) is
 * GMLake's mean loss (9.2 GB = 8.6 GiB) within a gigabyte: the mean of a
 * stack without expandable segments, not its worst case. Plans and the
 * engine's own split choice keep it; `plan --max-memory-fraction` changes it.
 * Sources quoted in docs/sources/gpu-efficiency.md sec. 8.
 */
export const PLANNING_MEMORY_FRACTION = 0.9;

/** The bytes a plan may use on a GPU of `capacityBytes` under `fraction` (default: the headroom above). */
export const planningLimitBytes = (capacityBytes: number, fraction: number = PLANNING_MEMORY_FRACTION): number => fraction * capacityBytes;
