import { createPublicKey, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { makeKeyPairValid } from '../helpers/keys.js';

// The certificates the certificate checks are seeded with: validity dates as chosen, the key the certificate's own.
describe('test helper makeKeyPairValid: a self-signed certificate with chosen notBefore / notAfter', () => {
  it('an expired certificate and one valid for 10 more days, each matching its key and not the other', () => {
    const day = 86_400_000;
    const now = Date.now();
    const expired = makeKeyPairValid(new Date(now - 400 * day), new Date(now - 5 * day), "O'Brien Sync");
    const soon = makeKeyPairValid(new Date(now - day), new Date(now + 10 * day));
    const certOf = (pem: string): X509Certificate => new X509Certificate(pem);
    const iso = (text: string): string => new Date(text).toISOString().slice(0, 10);
    expect([iso(certOf(expired.certificate).validFrom), iso(certOf(expired.certificate).validTo)]).to.deep.equal([
      new Date(now - 400 * day).toISOString().slice(0, 10),
      new Date(now - 5 * day).toISOString().slice(0, 10),
    ]);
    expect(iso(certOf(soon.certificate).validTo)).to.equal(new Date(now + 10 * day).toISOString().slice(0, 10));
    expect(certOf(expired.certificate).subject).to.equal("CN=O'Brien Sync");
    const matches = (key: string, cert: string): boolean => certOf(cert).publicKey.equals(createPublicKey(key));
    expect([
      matches(expired.privateKey, expired.certificate),
      matches(soon.privateKey, soon.certificate),
      matches(soon.privateKey, expired.certificate),
    ]).to.deep.equal([true, true, false]);
  });
});
