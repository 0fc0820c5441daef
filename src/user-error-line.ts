/**
 * The one line a user error prints, the same in the CLI (src/cli/main.ts) and the web page: the
 * field as the user wrote it (a flag, or a config key) and what is allowed.
 */
import type { ClusterTwinError } from './errors.js';
import { FLAG_OF_KEY } from './config/scenario-layers.js';

/** The longest error line printed: anything longer is cut (a value echoed whole could be megabytes). */
export const MAX_ERROR_LINE_CHARS = 400;

/** Folds a message to one line, cut to MAX_ERROR_LINE_CHARS. */
export const oneLine = (s: string): string => {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > MAX_ERROR_LINE_CHARS ? `${flat.slice(0, MAX_ERROR_LINE_CHARS - 3)}...` : flat;
};

/** The flag (or path) an error's field is written as: `tp` is `--tp`, `layersPerStage.0` is `--layers-per-stage item 1`. */
export function errorField(err: Pick<ClusterTwinError, 'path'>): string {
  // Scenario keys name their flag; other simple field names are flags in kebab case.
  // A path into a flag's value (layersPerStage.0) names the flag and the item.
  const [head, ...rest] = err.path.split('.');
  const inFlag = FLAG_OF_KEY[head] !== undefined && rest.length > 0 ? `${FLAG_OF_KEY[head]} ${/^\d+$/.test(rest[0]) ? `item ${Number(rest[0]) + 1}` : rest.join('.')}` : undefined;
  return FLAG_OF_KEY[err.path] ?? inFlag ?? (/^[a-z][a-zA-Z]*$/.test(err.path) ? `--${err.path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : err.path);
}

/** Formats an error the user can act on as one line. */
export function userErrorLine(err: ClusterTwinError): string {
  const path = errorField(err);
  return oneLine(`error: ${path ? `${path}: ` : ''}${err.detail}`);
}
