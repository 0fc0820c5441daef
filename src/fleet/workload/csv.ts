/**
 * A small RFC 4180 CSV reader: quoted fields (with "" for a quote, and line breaks inside quotes),
 * CRLF or LF line ends, a header row. No CSV package is installed in this project (csv-parse is a
 * candidate in shared/STYLE.md but not in package.json), and traces are small enough to read whole.
 * Each row keeps the line it starts on, so an error can name it.
 */
import { ClusterTwinError } from '../../errors.js';

export interface CsvRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** Column name (from the header) to the raw text of the field. */
  fields: Record<string, string>;
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
}

/** Splits the text into records of raw fields, each with its starting line (unquoted fields are sliced, not built a character at a time). */
function records(path: string, text: string): { line: number; values: string[] }[] {
  const out: { line: number; values: string[] }[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte-order mark is not part of the header
  let line = 1;
  let values: string[] = [];
  let recordLine = 1;
  const QUOTE = 34;
  const COMMA = 44;
  const LF = 10;
  const CR = 13;
  while (i <= n) {
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      // A quoted field: "" is a quote; commas and line breaks are text.
      let j = i + 1;
      let chunk = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new ClusterTwinError('config_file', `${path}:${recordLine}`, 'a quoted field is not closed before the end of the file');
        const part = text.slice(j, q);
        for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) line++;
        chunk += part;
        if (text.charCodeAt(q + 1) === QUOTE) {
          chunk += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Text after the closing quote and before the delimiter is kept, as lenient readers do.
      let k = i;
      while (k < n && text.charCodeAt(k) !== COMMA && text.charCodeAt(k) !== LF && text.charCodeAt(k) !== CR) k++;
      field = chunk + text.slice(i, k);
      i = k;
    } else {
      let k = i;
      while (k < n) {
        const c = text.charCodeAt(k);
        if (c === COMMA || c === LF || c === CR) break;
        k++;
      }
      field = text.slice(i, k);
      i = k;
    }
    values.push(field);
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === COMMA) {
      i++;
      continue;
    }
    // End of a record (a line break or the end of the text). A blank line (one empty field) is no record.
    if (!(values.length === 1 && values[0] === '')) out.push({ line: recordLine, values });
    values = [];
    if (c === CR && text.charCodeAt(i + 1) === LF) i++;
    i++;
    line++;
    recordLine = line;
  }
  return out;
}

/** Reads a CSV file with a header row; every row must have as many fields as the header. */
export function readCsv(path: string, text: string): CsvTable {
  const recs = records(path, text);
  if (recs.length === 0) throw new ClusterTwinError('config_file', path, 'the file is empty: a CSV trace needs a header row');
  const header = recs[0].values.map((h) => h.trim());
  const rows: CsvRow[] = [];
  for (const rec of recs.slice(1)) {
    // A trailing comma after the last column is common in exported traces; an empty extra field is dropped.
    const values = rec.values.length === header.length + 1 && rec.values[header.length] === '' ? rec.values.slice(0, header.length) : rec.values;
    if (values.length !== header.length) {
      throw new ClusterTwinError('config_file', `${path}:${rec.line}`, `has ${values.length} fields; the header has ${header.length} (${header.join(', ')})`);
    }
    const fields: Record<string, string> = {};
    header.forEach((h, j) => (fields[h] = values[j]));
    rows.push({ line: rec.line, fields });
  }
  return { header, rows };
}
