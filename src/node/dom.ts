/**
 * A DOM for Node, so the chart module (src/report) renders the same SVG here
 * as in the browser. linkedom is small and fast; Plot needs only createElement
 * and attributes from it.
 */
import { parseHTML } from 'linkedom';

/** A fresh, empty document. */
export function nodeDocument(): Document {
  return parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document;
}
