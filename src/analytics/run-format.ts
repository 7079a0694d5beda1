import type { ViewColumn } from './compile-view.js';
import type { RunFormat } from './run-parameters.js';
import type { ViewRows } from './run-view.js';

/*
 * The $run output formats of SQL on FHIR v2: json (an array of row objects), ndjson (one object
 * a line) and csv (RFC 4180, a header line unless header=false; collections and complex values
 * as their JSON text). Rows arrive as JSON object text from the database and pass through as is.
 */

export const CONTENT_TYPES: Record<RunFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(columns: ViewColumn[], rows: string[], header: boolean): string {
  const lines = header ? [columns.map((c) => csvField(c.name)).join(',')] : [];
  for (const row of rows) {
    const obj = JSON.parse(row) as Record<string, unknown>;
    lines.push(columns.map((c) => csvField(obj[c.name])).join(','));
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

export function formatRows(result: ViewRows, format: RunFormat, header: boolean): string {
  switch (format) {
    case 'json':
      return `[${result.rows.join(',')}]`;
    case 'ndjson':
      return result.rows.map((r) => `${r}\n`).join('');
    case 'csv':
      return csv(result.columns, result.rows, header);
  }
}
