import { X509Certificate } from 'node:crypto';
import type { OrgClient, SObjectRecord } from './org-client.js';
import { closeNames, didYouMean } from './close-names.js';
import { errorWords, serviceError } from './errors.js';
import { grantFix } from './fixes.js';
import { licenseResolver } from './permissions.js';
import { verbatim } from './plan.js';
import type { PreauthorizeInput } from './preauthorize-result.js';

// Preauthorize's checks of what it is given: the app's name, the contact email, the certificate, and the named sets.

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

/** The certificate file must be one PEM X.509 certificate; its private key signs the JWTs. */
export function readCertificate(path: string, text: string): string {
  try {
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    if (!pem) throw new Error(errorWords('reason.noCertificate'));
    const certificate = new X509Certificate(pem);
    if (new Date(certificate.validTo).getTime() < Date.now())
      throw new Error(errorWords('reason.expired', [certificate.validTo]));
    return pem;
  } catch (error) {
    throw serviceError('InvalidCertificate', [path, (error as Error).message]);
  }
}

/** What can be refused before the org is asked: the app's API name, the contact email, the certificate file, --username without sets. */
export function checkPreauthorizeInput(input: PreauthorizeInput): void {
  if (!API_NAME.test(input.app)) throw serviceError('InvalidAppName', [input.app]);
  if (input.create && !EMAIL.test(input.create.contactEmail))
    throw serviceError('InvalidContactEmail', [input.create.contactEmail]);
  if (input.user && !input.permissionSets.length) throw serviceError('UsernameNeedsPermissionSet');
  // The certificate file is checked before the org is asked anything, as every other flag value.
  if (input.create?.certificatePath !== undefined)
    readCertificate(input.create.certificatePath, input.create.certificate ?? '');
  // A new app needs a way in: a certificate for the JWT bearer flow, or a run-as user for the client credentials flow.
  else if (input.create && !input.runAs) throw serviceError('CreateNeedsCertificateOrRunAs');
}

/**
 * Every named set must exist and fit an integration user (license None, the Salesforce API Integration PSL or the
 * Salesforce Integration user license; PermissionSetAssignment object reference: a set's user license must be the
 * profile's). A name that isn't there gets "did you mean" from the org's sets (one more query, only then).
 */
export async function checkPermissionSets(
  client: OrgClient,
  names: string[],
  sets: SObjectRecord[],
  licenses: SObjectRecord[],
  psls: SObjectRecord[]
): Promise<SObjectRecord[]> {
  const licenseOf = licenseResolver(licenses, psls);
  const byName = (name: string): SObjectRecord | undefined =>
    sets.find((s) => String(s.Name).toLowerCase() === name.toLowerCase());
  const unknown = names.find((name) => !byName(name));
  if (unknown) {
    const all = await client.query(
      'SELECT Name, Label FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null'
    );
    const close = closeNames(
      all.map((r) => ({ name: String(r.Name), label: String(r.Label) })),
      unknown
    );
    throw serviceError('PreauthorizeSetNotFound', [unknown, didYouMean(close)]);
  }
  return names.map((name) => {
    const set = byName(name) as SObjectRecord;
    const { fit, name: license } = licenseOf(set.LicenseId);
    if (fit === 'other')
      throw serviceError('SetLicenseDoesNotFit', [String(set.Name), license], [grantFix(verbatim('<username>'))]);
    return set;
  });
}
