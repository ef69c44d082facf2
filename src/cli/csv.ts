/**
 * Rows as CSV text per RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): a field holding a comma, a double quote,
 * CR or LF is enclosed in double quotes, its quotes doubled; records end with CRLF. The caller writes it as UTF-8.
 */
export function toCsv(rows: ReadonlyArray<readonly string[]>): string {
  const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return rows.map((row) => row.map(field).join(',') + '\r\n').join('');
}
