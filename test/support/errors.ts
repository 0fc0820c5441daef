/** Runs `f` and returns the ClusterTwinError it throws (any other outcome fails the test). */
import { ClusterTwinError } from '../../src/errors.js';

export function errorOf(f: () => unknown): ClusterTwinError {
  try {
    f();
  } catch (e) {
    if (e instanceof ClusterTwinError) return e;
    throw e;
  }
  throw new Error('expected a ClusterTwinError');
}
