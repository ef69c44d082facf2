// For the emulator's own tests of the JWT bearer flow: an RSA key pair with a self-signed X.509
// certificate (built with node:crypto, no openssl), JWTs signed the way sf signs them, and a bare
// token POST so every rejection is checked in-process (the real sf would retry a refused login at Salesforce's hosts).

import { KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import type { Emulator, Seed } from '../index.js';
import { INTEGRATION_PROFILE } from '../http/test-client.js';

export interface KeyPair {
  /** PKCS#8 PEM, what `sf org login jwt --jwt-key-file` reads */
  privateKeyPem: string;
  privateKey: KeyObject;
  /** PEM X.509, what the app's certificate holds */
  certificate: string;
}

// --- a minimal DER writer, enough for one self-signed certificate ----------------------------------

function der(tag: number, content: Buffer): Buffer {
  const len = content.length;
  const head =
    len < 0x80
      ? Buffer.from([tag, len])
      : len < 0x100
        ? Buffer.from([tag, 0x81, len])
        : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, content]);
}
const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const int = (n: number): Buffer => der(0x02, Buffer.from([n]));
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const utcTime = (d: Date): Buffer =>
  der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
const bitString = (b: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), b]));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function pem(label: string, body: Buffer): string {
  const b64 = body
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A 2048-bit RSA key and a self-signed certificate for it (SHA-256 with RSA, valid for a year, as an admin
 * makes one for a JWT app: a certificate within 30 days of expiry is a warning of verify). */
export function makeKeyPair(commonName = 'emulator-test'): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), nul());
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const tbs = seq(
    der(0xa0, int(2)),
    int(1),
    sha256WithRsa,
    name,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' })
  );
  const certificate = seq(tbs, sha256WithRsa, bitString(sign('sha256', tbs, privateKey)));
  return {
    privateKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificate: pem('CERTIFICATE', certificate),
  };
}

// --- JWTs --------------------------------------------------------------------------------------------

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT as sf signs it: RS256, exp = now + 300 in milliseconds, iat in seconds (as sf 2.150.6 sends them); claims override. */
export function signJwt(
  key: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }
): string {
  const body = { exp: Date.now() + 300, iat: Math.floor(Date.now() / 1000), ...claims };
  const signed = `${b64url(header)}.${b64url(body)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

export interface TokenAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs a form to the emulator's token endpoint. */
export async function postToken(emu: Emulator, form: Record<string, string>): Promise<TokenAnswer> {
  const res = await fetch(`${emu.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: await res.json() };
}

/** The JWT bearer exchange for `sub` against app `iss`, audience the emulator itself (with the slash sf adds). */
export function jwtLogin(emu: Emulator, key: KeyObject, claims: Record<string, unknown>): Promise<TokenAnswer> {
  return postToken(emu, {
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: signJwt(key, { aud: `${emu.instanceUrl}/`, ...claims }),
  });
}

// --- a seed with apps -----------------------------------------------------------------------------

/**
 * An org with one connected app and one ECA, both admin-approved for the integration profile and Sync_Access.
 * sync@ holds Sync_Access (Account read/create) and the PSL; other@ holds Other_Set; std@ is on Standard User
 * and approved Legacy_Sync interactively once (a seeded OAuth token).
 */
export function appSeed(cert: string, extra: Partial<Seed> = {}): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }], Contact: [{ LastName: 'Doe' }] },
    permissionSets: [
      { name: 'Sync_Access', label: 'Sync Access', license: null, objects: { Account: ['read', 'create'] } },
      { name: 'Other_Set', label: 'Other Set', license: null },
    ],
    users: [
      {
        username: 'sync@acme.example',
        lastName: 'Sync',
        profile: INTEGRATION_PROFILE,
        permissionSets: ['Sync_Access'],
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      },
      {
        username: 'other@acme.example',
        lastName: 'Other',
        profile: INTEGRATION_PROFILE,
        permissionSets: ['Other_Set'],
      },
      { username: 'std@acme.example', lastName: 'Std', profile: 'Standard User' },
    ],
    connectedApps: [
      {
        name: 'Legacy_Sync',
        label: 'Legacy Sync',
        consumerKey: 'LEGACYKEY0001',
        certificate: cert,
        adminApproved: true,
        profiles: [INTEGRATION_PROFILE],
        permissionSets: ['Sync_Access'],
        oauthTokens: [{ username: 'std@acme.example', lastUsed: '2026-01-02T03:04:05Z' }],
      },
    ],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ECAKEY000001',
        certificate: cert,
        permittedUsers: 'AdminApprovedPreAuthorized',
        permissionSets: ['Sync_Access'],
      },
    ],
    ...extra,
  };
}

/**
 * appSeed with the client credentials flow on for both apps (secrets ECASECRET0001 / CASECRET00001), run as sync@,
 * plus an inactive O'Brien; `eca` / `ca` override the apps' fields.
 */
export function ccSeed(
  cert: string,
  eca: Record<string, unknown> = {},
  ca: Record<string, unknown> = {},
  extra: Partial<Seed> = {}
): Seed {
  const base = appSeed(cert);
  const [sync] = base.users ?? [];
  return {
    ...base,
    users: [
      ...(base.users ?? []),
      {
        username: "o'brien@acme.example",
        email: 'obrien.mail@acme.example',
        lastName: "O'Brien",
        profile: sync.profile,
        active: false,
      },
    ],
    connectedApps: [
      { ...(base.connectedApps ?? [])[0], consumerSecret: 'CASECRET00001', runAs: 'sync@acme.example', ...ca },
    ],
    externalClientApps: [
      { ...(base.externalClientApps ?? [])[0], consumerSecret: 'ECASECRET0001', runAs: 'sync@acme.example', ...eca },
    ],
    ...extra,
  };
}
