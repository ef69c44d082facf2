/**
 * A value as one POSIX shell word, for the commands the plugin prints as fixes. Bare when it holds
 * only characters no shell treats specially; in double quotes when it holds none that double quotes
 * still expand ($ ` \ " and bash's history !), so an apostrophe reads naturally
 * (--username "o'brien.sync@acme.example"); else in single quotes, each ' written as '\''.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9@%+=:,./_-]+$/.test(value)) return value;
  if (!/[$`\\"!]/.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, "'\\''")}'`;
}
