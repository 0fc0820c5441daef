/**
 * The fleet's workload (issue #17): trace readers (clustertwin CSV / JSON lines, Acme, Helios,
 * Philly) and seeded generators matched to published cluster summaries, both giving FleetJob[].
 */
export { loadTrace, detectTraceFormat, TRACE_FORMATS, type TraceFormat } from './load-trace.js';
export { generateWorkload, fittedWorkload, WORKLOAD_KINDS, DEFAULT_OFFERED_LOAD, type WorkloadKind, type WorkloadOptions } from './generate.js';
export { CLUSTER_SUMMARIES, type ClusterSummary } from './acme-summary.js';
export { workloadStats, type WorkloadStats } from './workload-stats.js';
