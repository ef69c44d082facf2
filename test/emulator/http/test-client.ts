// A bare REST client for the emulator's own tests: exact status, headers and body, nothing hidden.

import { Emulator, Seed, startEmulator } from '../index.js';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export const V = '/services/data/v66.0';

export async function call(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = emu.adminAccessToken
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${emu.instanceUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export function soql(emu: Emulator, q: string, version = 'v66.0', extra = ''): Promise<Reply> {
  return call(emu, 'GET', `/services/data/${version}/query?q=${encodeURIComponent(q)}${extra}`);
}

export function create(emu: Emulator, type: string, fields: Record<string, unknown>): Promise<Reply> {
  return call(emu, 'POST', `${V}/sobjects/${type}`, fields);
}

/** Runs fn with a fresh emulator, always stopping it. */
export async function withEmulator<T>(seed: Seed, fn: (emu: Emulator) => Promise<T> | T): Promise<T> {
  const emu = await startEmulator({ seed });
  try {
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}

export function idOf<T extends { Id: string }>(rows: T[]): string {
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0].Id;
}

export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';

/** A valid User insert body on the given profile. */
export function userBody(
  username: string,
  profileId: string,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    Username: username,
    LastName: 'Sync',
    Email: 'it@acme.example',
    Alias: 'sync',
    TimeZoneSidKey: 'Europe/Berlin',
    LocaleSidKey: 'de_DE',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'de',
    ProfileId: profileId,
    ...extra,
  };
}
