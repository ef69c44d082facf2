// Salesforce record ids: 3-char key prefix + 12 chars, plus the 3-char case-safety checksum
// that turns a case-sensitive 15-char id into the case-insensitive 18-char form.

const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_CHARS[bits];
  }
  return suffix;
}

/** True when the value has the shape of a 15- or 18-char id. */
export function isIdShaped(value: unknown): value is string {
  return typeof value === 'string' && /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** The canonical 18-char id, or undefined for anything that isn't id-shaped. */
export function to18(value: unknown): string | undefined {
  if (!isIdShaped(value)) return undefined;
  if (value.length === 18) {
    // An 18-char id is case-insensitive: rebuild the 15-char part's case from the checksum.
    const suffix = value.slice(15).toUpperCase();
    let base = '';
    for (let chunk = 0; chunk < 3; chunk++) {
      const bits = CHECKSUM_CHARS.indexOf(suffix[chunk]);
      if (bits < 0) return undefined;
      for (let i = 0; i < 5; i++) {
        const ch = value[chunk * 5 + i];
        base += bits & (1 << i) ? ch.toUpperCase() : ch.toLowerCase();
      }
    }
    return base + suffix;
  }
  return value + idChecksum(value);
}

export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}

/** Hands out ids like 0055g0000000001AAA: prefix, a pod-ish '5g0000', a base-62 counter. */
export class IdFactory {
  private counter = 0;

  public next(prefix: string): string {
    this.counter++;
    let n = this.counter;
    let digits = '';
    for (let i = 0; i < 6; i++) {
      digits = BASE62[n % 62] + digits;
      n = Math.floor(n / 62);
    }
    const id15 = `${prefix}5g0000${digits}`;
    return id15 + idChecksum(id15);
  }
}
