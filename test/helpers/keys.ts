import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type KeyPair = { keyFile: string; certFile: string; privateKey: string; certificate: string };

/** A fresh RSA key and self-signed certificate, as an admin makes them for a JWT app (openssl). */
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
      '30',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' }
  );
  return { keyFile, certFile, privateKey: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
}
