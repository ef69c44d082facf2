import { Messages } from '@salesforce/core';
import { certificateExpiry, keyMatchesCertificate, type AppCertificate } from './certificate.js';
import { advice, type Advice } from './plan.js';
import { plural } from './plural.js';
import { VERIFY, type AddCheck, type VerifyInput } from './verify-result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', VERIFY);

/**
 * The app's certificate as verify read it (not-read: setup's run read the External Client App's policy without its
 * global OAuth settings), the kind of app and its label (where in Setup it is changed: Setup lists apps by label).
 */
export type AppCertificateRead = {
  kind: 'ConnectedApp' | 'ExternalClientApplication';
  label: string;
  read: AppCertificate | 'not-read';
};

/**
 * The certificate check of the JWT flow: when the app's certificate expires (fail once expired, warn under 30 days),
 * and, with a private key, whether the key is the certificate's. An app without a certificate fails when a key is
 * given (the login it asks for can't work) and warns otherwise (the app may serve other flows today). Reads nothing:
 * the certificate came with the app's read. Answers why the JWT login isn't worth trying (the key isn't the
 * certificate's, or there is none): a refused login only leaves a failed entry in the login history.
 */
export function checkCertificate(
  add: AddCheck,
  input: Pick<VerifyInput, 'app' | 'privateKey'>,
  certificate: AppCertificateRead | undefined,
  now = Date.now()
): 'login.certificateMismatch' | 'login.noCertificate' | undefined {
  const app = input.app;
  const skip = (key: string, tokens: string[] = []): undefined => void add('certificate', 'skip', key, tokens);
  if (!app) return skip('certificate.skip');
  if (!certificate) return skip('certificate.appUnread', [app]);
  const where = messages.getMessage(`certificate.where.${certificate.kind}`, [certificate.label]);
  const renew = advice(VERIFY, 'fix.renewCertificate', where);
  if (certificate.read === 'not-read') return skip('certificate.notRead', [app, where, app]);
  const expiry = certificateExpiry(certificate.read, now);
  if (expiry.status === 'unreadable') return skip('certificate.unreadable', [app, where]);
  if (expiry.status === 'none') {
    add('certificate', input.privateKey === undefined ? 'warn' : 'fail', 'certificate.none', [app], renew);
    return input.privateKey === undefined ? undefined : 'login.noCertificate';
  }
  const date = expiry.expires.slice(0, 10);
  const matches =
    input.privateKey === undefined ? undefined : keyMatchesCertificate(certificate.read, input.privateKey);
  if (matches === false) {
    const fix: Advice = advice(VERIFY, 'fix.keyOfCertificate', where);
    add('certificate', 'fail', 'certificate.keyMismatch', [app, expiry.subject, date], fix);
    return 'login.certificateMismatch';
  }
  const keyNote = matches ? ` ${messages.getMessage('check.certificate.keyMatches')}` : '';
  if (expiry.status === 'expired')
    add('certificate', 'fail', 'certificate.expired', [app, expiry.subject, date, keyNote], renew);
  else if (expiry.status === 'expiring')
    add(
      'certificate',
      'warn',
      'certificate.expiring',
      [app, expiry.subject, plural(messages, 'count.days', expiry.daysLeft), date, keyNote],
      renew
    );
  else add('certificate', 'pass', 'certificate.pass', [app, expiry.subject, date, keyNote]);
  return undefined;
}
