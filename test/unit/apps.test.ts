import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { setElement } from '../../src/service/metadata-files.js';
import { readCertificate } from '../../src/service/preauthorize-input.js';

const policy = `<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthConfigurablePolicies xmlns="http://soap.sforce.com/2006/04/metadata">
    <externalClientApplication>Acme_Sync</externalClientApplication>
    <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>
    <label>Acme Sync</label>
    <permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>
    <refreshTokenPolicyType>Infinite</refreshTokenPolicyType>
</ExtlClntAppOauthConfigurablePolicies>
`;

describe('apps: editing only the pre-authorization of an app', () => {
  it('replaces an element in place, leaving every other line as it was', () => {
    const updated = setElement(policy, 'permittedUsersPolicyType', 'AdminApprovedPreAuthorized');
    expect(updated).to.equal(policy.replace('AllSelfAuthorized', 'AdminApprovedPreAuthorized'));
  });

  it('inserts a missing element in alphabetical position with the same indentation', () => {
    const updated = setElement(
      setElement(policy, 'commaSeparatedProfile', 'Minimum Access - API Only Integrations'),
      'commaSeparatedPermissionSet',
      'Acme_Sync_Integration'
    );
    expect(updated.split('\n').slice(2, 5)).to.deep.equal([
      '    <commaSeparatedPermissionSet>Acme_Sync_Integration</commaSeparatedPermissionSet>',
      '    <commaSeparatedProfile>Minimum Access - API Only Integrations</commaSeparatedProfile>',
      '    <externalClientApplication>Acme_Sync</externalClientApplication>',
    ]);
    expect(updated).to.include('<refreshTokenPolicyType>Infinite</refreshTokenPolicyType>');
  });

  it('appends an element that sorts last, and escapes XML in values', () => {
    const updated = setElement(policy, 'trustedIpRanges', 'a & <b>');
    expect(updated).to.include(
      '    <trustedIpRanges>a &amp; &lt;b&gt;</trustedIpRanges>\n</ExtlClntAppOauthConfigurablePolicies>'
    );
  });

  it('replaces an empty element', () => {
    expect(setElement(policy.replace('<label>Acme Sync</label>', '<label/>'), 'label', 'X')).to.include(
      '<label>X</label>'
    );
  });
});

describe('apps: the certificate for --create', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'server.key'),
      '-out',
      path.join(dir, 'server.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=test',
    ],
    { stdio: 'ignore' }
  );

  it('accepts a PEM X.509 certificate and returns just its PEM block', () => {
    const text = `some preamble\n${readFileSync(path.join(dir, 'server.crt'), 'utf8')}`;
    expect(readCertificate('server.crt', text)).to.match(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/
    );
  });

  it('refuses a private key, garbage, or a broken certificate, naming the file and the fix', () => {
    for (const [text, reason] of [
      [readFileSync(path.join(dir, 'server.key'), 'utf8'), 'no PEM certificate block'],
      ['hello', 'no PEM certificate block'],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', ''],
    ]) {
      expect(() => readCertificate('x.crt', text))
        .to.throw()
        .that.satisfies((e: { name: string; message: string; actions: string[] }) => {
          expect(e.name).to.equal('InvalidCertificateError');
          expect(e.message).to.contain(`The certificate file "x.crt" can't be used: ${reason}`);
          expect(e.actions[0]).to.contain('openssl req -x509');
          return true;
        });
    }
  });
});
