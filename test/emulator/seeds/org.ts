// The seed's org, its admin, and its licenses: user licenses and permission set licenses.

import { to18 } from '../data/ids.js';
import {
  API_NAME,
  EMAIL,
  SeedError,
  isTimeZone,
  list,
  obj,
  optBool,
  optCount,
  optStr,
  optStrList,
  reqStr,
  uniqueBy,
} from './check.js';
import {
  INTEGRATION_LICENSE,
  INTEGRATION_PSL,
  defaultPermissionSetLicenses,
  defaultUserLicenses,
  tokenFor,
} from './defaults.js';
import type { ResolvedSeed, SeedPermissionSetLicense, SeedUserLicense } from './types.js';

export const TOKEN_SHAPE = /^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?![A-Za-z0-9._]+$/;

export function resolveOrg(raw: unknown): ResolvedSeed['org'] {
  const o =
    raw === undefined
      ? {}
      : obj(raw, 'seed.org', ['id', 'name', 'myDomain', 'isSandbox', 'organizationType', 'instanceName', 'defaults']);
  let orgId = '00D000000000001EAA';
  if (o.id !== undefined) {
    const id = to18(o.id);
    if (!id || !id.startsWith('00D'))
      throw new SeedError('seed.org.id', 'must be a 15- or 18-char Organization id starting with 00D');
    orgId = id;
  }
  const d =
    o.defaults === undefined
      ? {}
      : obj(o.defaults, 'seed.org.defaults', [
          'timeZoneSidKey',
          'localeSidKey',
          'languageLocaleKey',
          'emailEncodingKey',
        ]);
  const timeZone = optStr(d.timeZoneSidKey, 'seed.org.defaults.timeZoneSidKey') ?? 'America/Los_Angeles';
  if (!isTimeZone(timeZone)) throw new SeedError('seed.org.defaults.timeZoneSidKey', `unknown time zone '${timeZone}'`);
  const isSandbox = optBool(o.isSandbox, 'seed.org.isSandbox') ?? false;
  return {
    id: orgId,
    name: optStr(o.name, 'seed.org.name') ?? 'Emulated Org',
    myDomain: optStr(o.myDomain, 'seed.org.myDomain') ?? 'emu',
    isSandbox,
    organizationType: optStr(o.organizationType, 'seed.org.organizationType') ?? 'Enterprise Edition',
    instanceName: optStr(o.instanceName, 'seed.org.instanceName') ?? (isSandbox ? 'CS1' : 'EMU1'),
    defaults: {
      timeZoneSidKey: timeZone,
      localeSidKey: optStr(d.localeSidKey, 'seed.org.defaults.localeSidKey') ?? 'en_US',
      languageLocaleKey: optStr(d.languageLocaleKey, 'seed.org.defaults.languageLocaleKey') ?? 'en_US',
      emailEncodingKey: optStr(d.emailEncodingKey, 'seed.org.defaults.emailEncodingKey') ?? 'UTF-8',
    },
  };
}

export function resolveAdmin(raw: unknown, orgId: string): ResolvedSeed['admin'] {
  const a = raw === undefined ? {} : obj(raw, 'seed.admin', ['username', 'accessToken']);
  const username = optStr(a.username, 'seed.admin.username') ?? 'admin@emu.example';
  if (!EMAIL.test(username)) throw new SeedError('seed.admin.username', 'must be email-shaped');
  const accessToken = optStr(a.accessToken, 'seed.admin.accessToken') ?? tokenFor(orgId, username);
  if (!TOKEN_SHAPE.test(accessToken))
    throw new SeedError(
      'seed.admin.accessToken',
      "must look like '<org id>!<letters and digits>' (sf recognises tokens by that shape)"
    );
  return { username, accessToken };
}

function licenseStatus(v: unknown, path: string): 'Active' | 'Disabled' | undefined {
  const status = optStr(v, path);
  if (status !== undefined && status !== 'Active' && status !== 'Disabled')
    throw new SeedError(path, "must be 'Active' or 'Disabled'");
  return status;
}

export function resolveUserLicenses(raw: unknown): SeedUserLicense[] {
  const userLicenses: SeedUserLicense[] =
    raw === undefined
      ? defaultUserLicenses()
      : list(raw, 'seed.userLicenses').map((v, i) => {
          const p = `seed.userLicenses[${i}]`;
          const l = obj(v, p, ['name', 'masterLabel', 'total', 'used', 'status', 'licenseDefinitionKey']);
          const status = licenseStatus(l.status, `${p}.status`);
          const total = optCount(l.total, `${p}.total`);
          if (total === undefined) throw new SeedError(`${p}.total`, 'is required');
          return {
            name: reqStr(l.name, `${p}.name`),
            masterLabel: optStr(l.masterLabel, `${p}.masterLabel`),
            total,
            used: optCount(l.used, `${p}.used`),
            status,
            licenseDefinitionKey: optStr(l.licenseDefinitionKey, `${p}.licenseDefinitionKey`),
          };
        });
  uniqueBy(userLicenses, (l) => l.name, 'seed.userLicenses', 'license name');
  return userLicenses;
}

function permissionSetLicenseOf(v: unknown, p: string, licenseNames: Set<string>): SeedPermissionSetLicense {
  const l = obj(v, p, [
    'developerName',
    'label',
    'total',
    'used',
    'status',
    'permissionSetLicenseKey',
    'isAvailableForIntegrations',
    'expirationDate',
    'compatibleUserLicenses',
  ]);
  const total = optCount(l.total, `${p}.total`);
  if (total === undefined) throw new SeedError(`${p}.total`, 'is required');
  const developerName = reqStr(l.developerName, `${p}.developerName`);
  if (!API_NAME.test(developerName))
    throw new SeedError(`${p}.developerName`, 'must be an API name (letters, digits, _)');
  const compat =
    l.compatibleUserLicenses === null ? null : optStrList(l.compatibleUserLicenses, `${p}.compatibleUserLicenses`);
  compat?.forEach((n, j) => {
    if (!licenseNames.has(n.toLowerCase()))
      throw new SeedError(`${p}.compatibleUserLicenses[${j}]`, `no user license named '${n}' in seed.userLicenses`);
  });
  const status = licenseStatus(l.status, `${p}.status`);
  return {
    developerName,
    label: optStr(l.label, `${p}.label`),
    total,
    used: optCount(l.used, `${p}.used`),
    status,
    permissionSetLicenseKey: optStr(l.permissionSetLicenseKey, `${p}.permissionSetLicenseKey`),
    isAvailableForIntegrations: optBool(l.isAvailableForIntegrations, `${p}.isAvailableForIntegrations`),
    expirationDate: optStr(l.expirationDate, `${p}.expirationDate`),
    compatibleUserLicenses: compat,
  };
}

export function resolvePermissionSetLicenses(raw: unknown, licenseNames: Set<string>): SeedPermissionSetLicense[] {
  const permissionSetLicenses =
    raw === undefined
      ? defaultPermissionSetLicenses(licenseNames)
      : list(raw, 'seed.permissionSetLicenses').map((v, i) =>
          permissionSetLicenseOf(v, `seed.permissionSetLicenses[${i}]`, licenseNames)
        );
  uniqueBy(permissionSetLicenses, (l) => l.developerName, 'seed.permissionSetLicenses', 'PSL developer name');
  for (const psl of permissionSetLicenses) {
    // The API Integration PSL only fits the integration user license unless the seed says otherwise.
    if (psl.compatibleUserLicenses === undefined && psl.developerName.toLowerCase() === INTEGRATION_PSL.toLowerCase()) {
      psl.compatibleUserLicenses = licenseNames.has(INTEGRATION_LICENSE.toLowerCase()) ? [INTEGRATION_LICENSE] : [];
    }
  }
  return permissionSetLicenses;
}
