// Where a SOQL error points: Salesforce's message shape (the query echoed, a caret, "ERROR at Row:R:Column:C",
// then the reason), names located outside string literals, and the first token the parser can't accept.

import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { ApiError } from '../http/errors.js';

function rowCol(soql: string, offset: number): { row: number; col: number; line: string } {
  const before = soql.slice(0, offset);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', offset) === -1 ? soql.length : soql.indexOf('\n', offset);
  return { row, col: offset - lineStart + 1, line: soql.slice(lineStart, lineEnd) };
}

export function positioned(soql: string, offset: number, message: string): string {
  const { row, col, line } = rowCol(soql, Math.max(0, offset));
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${message}`;
}

/** Offsets inside string literals, so a search for a name never lands in a value. */
function literalMask(soql: string): boolean[] {
  const mask = new Array<boolean>(soql.length).fill(false);
  let inString = false;
  for (let i = 0; i < soql.length; i++) {
    const c = soql[i];
    if (inString) {
      mask[i] = true;
      if (c === '\\') {
        mask[i + 1] = true;
        i++;
      } else if (c === "'") inString = false;
    } else if (c === "'") {
      inString = true;
      mask[i] = true;
    }
  }
  return mask;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where `text` first appears as a whole name outside literals (0 when not found). */
export function locate(soql: string, text: string, after = 0): number {
  const mask = literalMask(soql);
  const re = new RegExp(`(?<![A-Za-z0-9_.])${escapeRe(text)}(?![A-Za-z0-9_])`, 'gi');
  re.lastIndex = after;
  for (let m = re.exec(soql); m; m = re.exec(soql)) if (!mask[m.index]) return m.index;
  return after > 0 ? locate(soql, text, 0) : 0;
}

export function locateObject(soql: string, name: string): number {
  const mask = literalMask(soql);
  const re = new RegExp(`\\bFROM\\s+(${escapeRe(name)})(?![A-Za-z0-9_])`, 'gi');
  for (let m = re.exec(soql); m; m = re.exec(soql)) if (!mask[m.index]) return m.index + m[0].length - m[1].length;
  return locate(soql, name);
}

const TOKEN_RE = /\s+|'(?:\\.|[^'\\])*'?|!=|<>|<=|>=|[(),=<>]|[^\s(),'=<>!]+|./gy;

function isEofError(message: string): boolean {
  return (
    /but found: ''|found --> '' <--|expecting EOF but found: ''/.test(message) || /but found: '<EOF>'/.test(message)
  );
}

/** Re-parses growing prefixes to find the first token the parser can't accept. */
export function malformed(soql: string, parserMessage: string): ApiError {
  const lex = /at offset: (\d+)/.exec(parserMessage);
  if (lex) {
    const offset = Number(lex[1]);
    return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, offset, `unexpected token: '${soql[offset]}'`));
  }
  const tokens: Array<{ start: number; end: number; text: string }> = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(soql); m && m[0].length > 0; m = TOKEN_RE.exec(soql)) {
    if (!/^\s+$/.test(m[0])) tokens.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  for (const t of tokens) {
    try {
      parseQuery(soql.slice(0, t.end));
    } catch (e) {
      if (!isEofError((e as Error).message))
        return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, t.start, `unexpected token: '${t.text}'`));
    }
  }
  return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, soql.trimEnd().length, 'unexpected token: <EOF>'));
}
