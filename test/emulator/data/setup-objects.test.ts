/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { V, call, soql, withEmulator } from '../http/test-client.js';

type Row = Record<string, unknown>;

describe('emulator metadata catalog query rules (Tooling API, SOQL Operation Limitations)', () => {
  const refusal = (message: string): unknown[] => [{ errorCode: 'MALFORMED_QUERY', message }];

  it('refuses OR, NOT and non-equality comparisons on EntityDefinition and EntityParticle, on both endpoints', () =>
    withEmulator({}, async (emu) => {
      const both = async (q: string): Promise<unknown[]> => {
        const data = await soql(emu, q);
        const tooling = await call(emu, 'GET', `${V}/tooling/query?q=${encodeURIComponent(q)}`);
        expect(tooling.body, `tooling: ${q}`).to.deep.equal(data.body);
        expect(data.status, q).to.equal(400);
        return data.body as unknown[];
      };
      // The guide's own examples.
      expect(
        await both("SELECT qualifiedapiname FROM EntityDefinition WHERE qualifiedapiname!='Account'")
      ).to.deep.equal(refusal('Only equals comparisons permitted'));
      expect(
        await both(
          "SELECT qualifiedapiname, keyprefix FROM EntityDefinition WHERE isdeletable=true OR (isfeedenabled=false AND keyprefix='01j')"
        )
      ).to.deep.equal(refusal('Disjunctions not supported'));
      expect(
        await both('SELECT COUNT(qualifiedapiname), iscustomizable FROM EntityDefinition GROUP BY iscustomizable')
      ).to.deep.equal(
        refusal(
          'The requested operation is not yet supported by this SObject storage type, contact salesforce.com support for more information.'
        )
      );
      expect(
        await both(
          "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'Account' AND NOT IsPermissionable = true"
        )
      ).to.deep.equal(refusal('Only equals comparisons permitted'));
      expect(
        await both(
          "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'Account' AND QualifiedApiName NOT IN ('Name')"
        )
      ).to.deep.equal(refusal('Only equals comparisons permitted'));
      expect(
        await both(
          "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'Account' AND (QualifiedApiName = 'Name' OR QualifiedApiName = 'Industry')"
        )
      ).to.deep.equal(refusal('Disjunctions not supported'));
      // IN (equality over a list) and LIKE are fine; OR elsewhere in SOQL too.
      const fine = await soql(
        emu,
        "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName IN ('Account', 'Contact') AND QualifiedApiName IN ('Industry', 'LastName') ORDER BY QualifiedApiName"
      );
      expect(fine.body.records.map((r: Row) => r.QualifiedApiName)).to.deep.equal(['Industry', 'LastName']);
      expect(
        (
          await soql(emu, "SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName LIKE 'Acc%'")
        ).body.records.map((r: Row) => r.QualifiedApiName)
      ).to.deep.equal(['Account']);
      expect((await soql(emu, "SELECT Name FROM Account WHERE Name = 'x' OR Name != 'y'")).status).to.equal(200);
    }));

  it('ignores LIMIT and OFFSET there', () =>
    withEmulator({}, async (emu) => {
      const all = (await soql(emu, 'SELECT QualifiedApiName FROM EntityDefinition')).body.totalSize as number;
      expect(all).to.be.greaterThan(5);
      expect(
        (await soql(emu, 'SELECT QualifiedApiName FROM EntityDefinition LIMIT 5 OFFSET 10')).body.totalSize
      ).to.equal(all);
      expect((await soql(emu, 'SELECT Name FROM Profile LIMIT 1')).body.totalSize).to.equal(1);
    }));

  for (const setupObjectValueMatch of ['exact', 'case-insensitive'] as const) {
    it(`matches = and IN values ${setupObjectValueMatch === 'exact' ? 'only as spelled (default)' : 'in any case'} (behaviour.setupObjectValueMatch)`, () =>
      withEmulator({ behaviour: { setupObjectValueMatch } }, async (emu) => {
        const names = async (q: string): Promise<string[]> =>
          ((await soql(emu, q)).body.records as Row[]).map((r) => String(r.QualifiedApiName));
        const hit = setupObjectValueMatch === 'case-insensitive';
        expect(
          await names("SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName IN ('account', 'Contact')")
        ).to.deep.equal(hit ? ['Account', 'Contact'] : ['Contact']);
        expect(
          await names("SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName = 'ACCOUNT'")
        ).to.deep.equal(hit ? ['Account'] : []);
        expect(
          await names(
            "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'account' AND QualifiedApiName = 'industry'"
          )
        ).to.deep.equal(hit ? ['Industry'] : []);
        // Elsewhere SOQL compares text case-insensitively either way.
        expect(
          (await soql(emu, "SELECT Name FROM Profile WHERE Name = 'system administrator'")).body.totalSize
        ).to.equal(1);
      }));
  }

  it('lists no EntityParticle rows for an object seeded with entityParticles: false', () =>
    withEmulator(
      { objects: { Shipment__c: { entityParticles: false, fields: { Weight__c: { type: 'double' } } } } },
      async (emu) => {
        expect(
          (await soql(emu, "SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName = 'Shipment__c'")).body
            .totalSize
        ).to.equal(1);
        expect(
          (
            await soql(
              emu,
              "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'Shipment__c'"
            )
          ).body.totalSize
        ).to.equal(0);
        expect(
          (await call(emu, 'GET', `${V}/sobjects/Shipment__c/describe`)).body.fields.map((f: Row) => f.name)
        ).to.include('Weight__c');
      }
    ));
});
