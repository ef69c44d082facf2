import JSZip from 'jszip';
import { Connection } from '@jsforce/jsforce-node';
import type { Emulator } from '../emulator/index.js';

/** A jsforce connection as the emulator's admin: a client the plugin doesn't share, to read state back. */
export function adminConnection(emulator: Emulator): Connection {
  return new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.adminAccessToken, version: '66.0' });
}

/** Every file of a retrieve of these metadata types (all members), by path. */
export async function retrieveFiles(emulator: Emulator, types: string[]): Promise<Record<string, string>> {
  const metadata = adminConnection(emulator).metadata;
  const started = await metadata.retrieve({
    unpackaged: { types: types.map((name) => ({ name, members: ['*'] })), version: '66.0' },
  } as never);
  const done = await metadata.checkRetrieveStatus(started.id);
  const zip = await JSZip.loadAsync(Buffer.from(done.zipFile, 'base64'));
  const files: Record<string, string> = {};
  for (const [path, file] of Object.entries(zip.files))
    if (!file.dir && !path.endsWith('package.xml')) files[path] = await file.async('string');
  return files;
}
