import { createPrivateKey, X509Certificate } from 'node:crypto';

/**
 * The certificate a JWT bearer login is checked against (the app's: a connected app's oauthConfig.certificate, an
 * External Client App's ExtlClntAppGlobalOauthSettings.certificate, Metadata API reference), and when it expires.
 * Nothing in the API gives the date apart: the PEM is parsed here (its notAfter).
 */

/** Days before expiry from which a certificate is reported as expiring. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * ok / expiring (under 30 days left) / expired; none: the app has no certificate (no JWT bearer login through it);
 * unreadable: the org doesn't show it (an External Client App's global OAuth settings without the Metadata API
 * secrets setting), or it isn't a certificate.
 */
export type CertificateStatus = 'ok' | 'expiring' | 'expired' | 'none' | 'unreadable';

/** A certificate as read: its expiry (ISO date), whole days left (negative once expired) and subject's CN. */
export type CertificateExpiry =
  | { status: 'ok' | 'expiring' | 'expired'; expires: string; daysLeft: number; subject: string }
  | { status: 'none' }
  | { status: 'unreadable' };

/** The app's certificate as this run read it: the PEM, none on the app, or not shown by the org. */
export type AppCertificate = { pem: string } | { none: true } | { unreadable: true };

const DAY = 86_400_000;

/** The certificate's expiry, as of `now`. */
export function certificateExpiry(read: AppCertificate, now = Date.now()): CertificateExpiry {
  if ('none' in read) return { status: 'none' };
  const x509 = parse(read);
  if (!x509) return { status: 'unreadable' };
  const notAfter = new Date(x509.validTo).getTime();
  const daysLeft = Math.floor((notAfter - now) / DAY);
  const status = notAfter <= now ? 'expired' : notAfter - now < EXPIRY_WARNING_DAYS * DAY ? 'expiring' : 'ok';
  return { status, expires: new Date(notAfter).toISOString(), daysLeft, subject: commonName(x509.subject) };
}

/** Whether the private key is the one of the certificate (undefined when either can't be read). */
export function keyMatchesCertificate(read: AppCertificate, privateKey: string): boolean | undefined {
  const x509 = parse(read);
  if (!x509) return undefined;
  try {
    return x509.checkPrivateKey(createPrivateKey(privateKey));
  } catch {
    return undefined;
  }
}

/** A connected app's certificate from its ConnectedApp component (readMetadata or a retrieve). */
export function connectedAppCertificate(oauthConfig: unknown): AppCertificate {
  const pem = (oauthConfig as { certificate?: unknown } | undefined)?.certificate;
  return typeof pem === 'string' && pem.trim() ? { pem: pem.trim() } : { none: true };
}

/**
 * An External Client App's certificate (ExtlClntAppGlobalOauthSettings.certificate, API 60.0+) from a retrieve that
 * asked for the global OAuth settings. Those settings fall under "Allow Access to OAuth Consumer Secrets via Metadata
 * API" (Metadata API reference, Special Access Rules): an org without it leaves out the consumer key, and whether it
 * leaves out the certificate too isn't published. So a missing certificate means "none" only where the consumer key
 * shows that the org hides nothing; otherwise it can't be read.
 */
export function ecaCertificate(policy: { global?: { certificate?: string; consumerKey?: string } }): AppCertificate {
  if (policy.global?.certificate) return { pem: policy.global.certificate };
  return policy.global?.consumerKey ? { none: true } : { unreadable: true };
}

function parse(read: AppCertificate): X509Certificate | undefined {
  if (!('pem' in read)) return undefined;
  try {
    return new X509Certificate(read.pem);
  } catch {
    return undefined;
  }
}

/** The subject's CN (the name an admin gave the certificate), else the whole subject on one line. */
const commonName = (subject: string): string => /^CN=(.*)$/m.exec(subject)?.[1]?.trim() ?? subject.replace(/\n/g, ', ');
