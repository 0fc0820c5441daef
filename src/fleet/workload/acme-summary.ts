/**
 * Published summaries of four GPU clusters' job traces, transcribed from InternLM/AcmeTrace
 * data/cluster_summary.csv (CC BY 4.0; Hu et al., "Characterization of Large Language Model
 * Development in the Datacenter", NSDI '24). Its Seren and Kalos rows summarise Acme's own traces
 * (Mar-Aug 2023); its Philly and Helios rows are the same statistics computed by Acme's authors over
 * the public Philly trace (Jeon et al., ATC '19; msr-fiddle/philly-traces) and Helios trace (Hu et
 * al., SC '21; S-Lab-System-Group/HeliosData). GPU jobs only (the *_gpu columns); seconds; shares
 * are fractions of GPU jobs and of GPU time (gpu_num x duration).
 */

export interface ClusterSummary {
  /** The row's id in cluster_summary.csv. */
  id: 'Seren' | 'Kalos' | 'Philly' | 'Helios';
  /** gpu_job_num */
  gpuJobs: number;
  /** avg_gpu_num / med_gpu_num / max_gpu */
  meanGpus: number;
  medianGpus: number;
  maxGpus: number;
  /** avg_run_time_gpu / med_run_time_gpu / max_run_time_gpu, seconds */
  meanRuntimeSeconds: number;
  medianRuntimeSeconds: number;
  maxRuntimeSeconds: number;
  /** avg_que_time_gpu / med_que_time_gpu, seconds: an outcome of the scheduler, a check for the fleet simulation, not an input to the generator. */
  meanQueueSeconds: number;
  medianQueueSeconds: number;
  /** complete_rate_gpu, cancel_rate_gpu, fail_rate_gpu */
  jobShare: { completed: number; cancelled: number; failed: number };
  /** complete_rate_gpu_time, cancel_rate_gpu_time, fail_rate_gpu_time */
  gpuTimeShare: { completed: number; cancelled: number; failed: number };
  /** complete_gpu_time + cancel_gpu_time + fail_gpu_time, GPU-seconds */
  totalGpuSeconds: number;
}

export const CLUSTER_SUMMARIES = {
  // cluster_summary.csv row "Seren"
  seren: {
    id: 'Seren', gpuJobs: 663813,
    meanGpus: 5.68, medianGpus: 1, maxGpus: 1024,
    meanRuntimeSeconds: 1414.335, medianRuntimeSeconds: 122, maxRuntimeSeconds: 1209604,
    meanQueueSeconds: 445.984, medianQueueSeconds: 1,
    jobShare: { completed: 0.497, cancelled: 0.075, failed: 0.429 },
    gpuTimeShare: { completed: 0.212, cancelled: 0.664, failed: 0.124 },
    totalGpuSeconds: 4560592618 + 14274584510 + 2675447459,
  },
  // cluster_summary.csv row "Kalos"
  kalos: {
    id: 'Kalos', gpuJobs: 19907,
    meanGpus: 26.77, medianGpus: 1, maxGpus: 1024,
    meanRuntimeSeconds: 1259.689, medianRuntimeSeconds: 124, maxRuntimeSeconds: 625740,
    meanQueueSeconds: 214.179, medianQueueSeconds: 17,
    jobShare: { completed: 0.541, cancelled: 0.062, failed: 0.397 },
    gpuTimeShare: { completed: 0.313, cancelled: 0.607, failed: 0.08 },
    totalGpuSeconds: 1667685146 + 3239202064 + 426292851,
  },
  // cluster_summary.csv row "Philly"
  philly: {
    id: 'Philly', gpuJobs: 112956,
    meanGpus: 1.928, medianGpus: 1, maxGpus: 128,
    meanRuntimeSeconds: 18006.055, medianRuntimeSeconds: 874, maxRuntimeSeconds: 4240676,
    meanQueueSeconds: 3760.604, medianQueueSeconds: 189,
    jobShare: { completed: 0.604, cancelled: 0.09, failed: 0.305 },
    gpuTimeShare: { completed: 0.321, cancelled: 0.294, failed: 0.386 },
    totalGpuSeconds: 2210176414 + 2025326056 + 2659215061,
  },
  // cluster_summary.csv row "Helios"
  helios: {
    id: 'Helios', gpuJobs: 1580464,
    meanGpus: 3.716, medianGpus: 1, maxGpus: 2048,
    meanRuntimeSeconds: 6651.681, medianRuntimeSeconds: 206, maxRuntimeSeconds: 4320009,
    meanQueueSeconds: 862.047, medianQueueSeconds: 0,
    jobShare: { completed: 0.624, cancelled: 0.221, failed: 0.155 },
    gpuTimeShare: { completed: 0.513, cancelled: 0.394, failed: 0.093 },
    totalGpuSeconds: 39994296320 + 30715109125 + 7288334702,
  },
} as const satisfies Record<string, ClusterSummary>;
