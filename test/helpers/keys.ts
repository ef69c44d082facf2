import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type KeyPair = { keyFile: string; certFile: string; privateKey: string; certificate: string };

/** A fresh RSA key and self-signed certificate valid for a year, as an admin makes them for a JWT app (openssl). */
export function makeKeyPair(name = 'integration'): KeyPair {
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-keys-'));
  const keyFile = path.join(dir, 'server.key');
  const certFile = path.join(dir, 'server.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '365',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' }
  );
  return { keyFile, certFile, privateKey: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
}

/** openssl's date form for `ca -startdate/-enddate`: YYYYMMDDHHMMSSZ (UTC). */
const opensslDate = (date: Date): string => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * A fresh RSA key and a self-signed certificate valid from `notBefore` to `notAfter` (dates in the past or the
 * future: an expired certificate, one expiring in days), for the certificate checks. `openssl req -x509` of
 * OpenSSL 3.0 takes only -days from now, so the certificate is self-signed through `openssl ca -selfsign`, whose
 * -startdate and -enddate take any date (a throwaway CA database in the temporary directory).
 */
export function makeKeyPairValid(notBefore: Date, notAfter: Date, name = 'integration'): KeyPair {
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-keys-'));
  const keyFile = path.join(dir, 'server.key');
  const certFile = path.join(dir, 'server.crt');
  const request = path.join(dir, 'server.csr');
  const config = path.join(dir, 'ca.cnf');
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '01\n');
  writeFileSync(
    config,
    [
      '[ ca ]',
      'default_ca = selfsigned',
      '[ selfsigned ]',
      `database = ${path.join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${path.join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      '[ anything ]',
      'commonName = supplied',
      '',
    ].join('\n')
  );
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', request, '-subj', `/CN=${name}`]);
  run([
    'ca',
    '-batch',
    '-config',
    config,
    '-selfsign',
    '-keyfile',
    keyFile,
    '-in',
    request,
    '-out',
    certFile,
    '-notext',
    '-startdate',
    opensslDate(notBefore),
    '-enddate',
    opensslDate(notAfter),
  ]);
  return { keyFile, certFile, privateKey: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
}
