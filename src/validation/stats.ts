/** Summary statistics of relative errors, as validation reports them. */

export interface ErrorStats {
  cases: number;
  /** Mean of |predicted / measured - 1|. */
  meanAbsError: number;
  medianAbsError: number;
  worstAbsError: number;
}

export function errorStats(errors: readonly number[]): ErrorStats {
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const n = abs.length;
  if (n === 0) return { cases: 0, meanAbsError: 0, medianAbsError: 0, worstAbsError: 0 };
  const median = n % 2 ? abs[(n - 1) / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2;
  return { cases: n, meanAbsError: abs.reduce((a, b) => a + b, 0) / n, medianAbsError: median, worstAbsError: abs[n - 1] };
}

/** Signed relative error of a prediction. */
export const relativeError = (predicted: number, measured: number): number => predicted / measured - 1;
