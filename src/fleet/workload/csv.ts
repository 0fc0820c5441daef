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

/** Splits the text into records of raw fields, each with its starting line. */
function records(path: string, text: string): { line: number; values: string[] }[] {
  const out: { line: number; values: string[] }[] = [];
  let values: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte-order mark is not part of the header
  const endRecord = (): void => {
    values.push(field);
    // A blank line (one empty field) is no record.
    if (!(values.length === 1 && values[0] === '')) out.push({ line: recordLine, values });
    values = [];
    field = '';
    fieldStarted = false;
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      values.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new ClusterTwinError('config_file', `${path}:${recordLine}`, 'a quoted field is not closed before the end of the file');
  if (field !== '' || values.length > 0) endRecord();
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
