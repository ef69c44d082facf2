/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Seed } from '../index.js';
import { V, call, soql, withEmulator } from '../http/test-client.js';

const NO_SUCH_COLUMN =
  "No such column 'PermissionsUseAnyApiClient' on entity 'PermissionSet'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";

describe('emulator columns an org lacks (behaviour.absentFields)', () => {
  it('by default has no PermissionSet.PermissionsUseAnyApiClient (API Access Control is off): not in describe, a query naming it fails whole', () =>
    withEmulator({}, async (emu) => {
      const describe = await call(emu, 'GET', `${V}/sobjects/PermissionSet/describe`);
      const names = (describe.body.fields as Array<{ name: string }>).map((f) => f.name);
      expect(names).to.include('PermissionsModifyAllData');
      expect(names).to.not.include('PermissionsUseAnyApiClient');

      const direct = await soql(
        emu,
        'SELECT Id, PermissionsModifyAllData, PermissionsUseAnyApiClient FROM PermissionSet'
      );
      expect(direct.status).to.equal(400);
      expect(direct.body).to.deep.equal([
        {
          errorCode: 'INVALID_FIELD',
          message: `\nSELECT Id, PermissionsModifyAllData, PermissionsUseAnyApiClient FROM PermissionSet\n                                     ^\nERROR at Row:1:Column:38\n${NO_SUCH_COLUMN}`,
        },
      ]);
      // Through a relationship the entity named is still PermissionSet.
      const related = await soql(
        emu,
        'SELECT Id, PermissionSet.PermissionsUseAnyApiClient FROM PermissionSetAssignment'
      );
      expect(related.body[0].errorCode).to.equal('INVALID_FIELD');
      expect(related.body[0].message).to.match(
        /No such column 'PermissionsUseAnyApiClient' on entity 'PermissionSet'\./
      );

      // In a composite it fails that subrequest; with allOrNone the others answer PROCESSING_HALTED.
      const q = (text: string): string => `${V}/query?q=${encodeURIComponent(text)}`;
      const composite = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'GET', url: q('SELECT Id FROM User'), referenceId: 'users' },
          { method: 'GET', url: q('SELECT Id, PermissionsUseAnyApiClient FROM PermissionSet'), referenceId: 'sets' },
        ],
      });
      const answers = composite.body.compositeResponse as Array<{
        httpStatusCode: number;
        body: Array<{ errorCode: string }>;
      }>;
      expect(answers.map((s) => s.httpStatusCode)).to.deep.equal([400, 400]);
      expect(answers[1].body[0].errorCode).to.equal('INVALID_FIELD');
    }));

  it('has the column with absentFields: [], and can drop any other', () =>
    withEmulator(
      {
        behaviour: { absentFields: [] },
        permissionSets: [{ name: 'Any_Client', userPermissions: ['UseAnyApiClient'] }],
      },
      async (emu) => {
        const r = await soql(
          emu,
          "SELECT Name, PermissionsUseAnyApiClient FROM PermissionSet WHERE Name = 'Any_Client'"
        );
        expect(r.body.records[0]).to.include({ Name: 'Any_Client', PermissionsUseAnyApiClient: true });
      }
    ).then(() =>
      withEmulator({ behaviour: { absentFields: ['PermissionSet.Description'] } }, async (emu) => {
        expect((await soql(emu, 'SELECT PermissionsUseAnyApiClient FROM PermissionSet')).status).to.equal(200);
        expect((await soql(emu, 'SELECT Description FROM PermissionSet')).body[0].errorCode).to.equal('INVALID_FIELD');
      })
    ));

  it('refuses a seed that gives a set or profile a permission the org lacks, or names an unknown object', async () => {
    const failure = async (seed: Seed): Promise<string> => {
      try {
        await (await startEmulator({ seed })).stop();
        return 'started';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(
      await failure({ permissionSets: [{ name: 'Any_Client', userPermissions: ['PermissionsUseAnyApiClient'] }] })
    ).to.equal(
      'seed.permissionSets[0].userPermissions[0]: UseAnyApiClient is not a column of this org (seed.behaviour.absentFields)'
    );
    expect(await failure({ behaviour: { absentFields: ['Nothing.Field'] } })).to.equal(
      "seed.behaviour.absentFields[0]: no sObject named 'Nothing'"
    );
    expect(await failure({ behaviour: { absentFields: ['PermissionsUseAnyApiClient'] } })).to.equal(
      "seed.behaviour.absentFields[0]: must be 'Object.Field', e.g. 'PermissionSet.PermissionsUseAnyApiClient'"
    );
  });
});
