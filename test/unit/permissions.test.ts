import { expect } from 'chai';
import {
  broadPowers,
  derivePermissionSetName,
  fitOf,
  grantInputError,
  isStandardObject,
  objectPermissionFields,
  parseFieldGrants,
  parseObjectGrants,
  withDependencies,
} from '../../src/service/permissions.js';

const empty = { permissionSets: [], groups: [], objects: [], fields: [] };

describe('permissions: the rules grant checks before it writes', () => {
  describe('license fit for a user on the Salesforce Integration license', () => {
    it('classifies every kind of permission set license', () => {
      expect(fitOf({ kind: 'none' })).to.equal('none');
      expect(fitOf({ kind: 'psl', developerName: 'SalesforceAPIIntegrationPsl' })).to.equal('integration-psl');
      expect(fitOf({ kind: 'user-license', name: 'Salesforce Integration' })).to.equal('integration-user-license');
      expect(fitOf({ kind: 'user-license', name: 'Salesforce' })).to.equal('other');
      expect(fitOf({ kind: 'user-license', name: 'Salesforce Platform' })).to.equal('other');
      expect(fitOf({ kind: 'psl', developerName: 'SalesConsoleUser' })).to.equal('other');
    });

    it('tells standard objects from custom ones', () => {
      expect(isStandardObject('Account')).to.equal(true);
      expect(isStandardObject('Invoice__c')).to.equal(false);
      expect(isStandardObject('acme__Invoice__c')).to.equal(false);
      expect(isStandardObject('Setting__mdt')).to.equal(false);
    });
  });

  describe('--object: Salesforce dependency rules', () => {
    it('parses, normalizes and merges object access', () => {
      expect(
        parseObjectGrants(['Account:read,edit', 'Contact:READ', 'Account:create', 'Case:read, View All'])
      ).to.deep.equal([
        { object: 'Account', access: ['read', 'create', 'edit'] },
        { object: 'Contact', access: ['read'] },
        { object: 'Case', access: ['read', 'viewall'] },
      ]);
    });

    const dependencies: Array<[string, string, string]> = [
      ['Account:create', 'create also needs read', 'Account:read,create'],
      ['Account:edit', 'edit also needs read', 'Account:read,edit'],
      ['Account:read,delete', 'read, delete also needs edit', 'Account:read,edit,delete'],
      ['Account:viewall', 'viewall also needs read', 'Account:read,viewall'],
      [
        'Account:read,modifyall',
        'read, modifyall also needs edit, delete, viewall',
        'Account:read,edit,delete,viewall,modifyall',
      ],
    ];
    for (const [value, message, fix] of dependencies) {
      it(`refuses ${value}, giving the value that works`, () => {
        expect(() => parseObjectGrants([value]))
          .to.throw()
          .that.satisfies((e: { name: string; message: string; actions: string[] }) => {
            expect(e.name).to.equal('ObjectAccessDependencyError');
            expect(e.message).to.contain(`Account: ${message}.`);
            expect(e.actions).to.deep.equal([`Use --object ${fix}`]);
            return true;
          });
      });
    }

    it('closes an access list over its dependencies', () => {
      expect(withDependencies(['modifyall'])).to.deep.equal(['read', 'edit', 'delete', 'viewall', 'modifyall']);
      expect(withDependencies(['create', 'viewall'])).to.deep.equal(['read', 'create', 'viewall']);
    });

    it('refuses malformed values', () => {
      expect(() => parseObjectGrants(['Account'])).to.throw('"Account" is not a valid --object value.');
      expect(() => parseObjectGrants(["Acc'ount:read"])).to.throw(`"Acc'ount:read" is not a valid --object value.`);
      expect(() => parseObjectGrants(['Account:write'])).to.throw(
        '"write" in "Account:write" is not an object access.'
      );
    });

    it('writes all six checkboxes so an update replaces the row', () => {
      expect(objectPermissionFields(['read', 'edit'])).to.deep.equal({
        PermissionsRead: true,
        PermissionsCreate: false,
        PermissionsEdit: true,
        PermissionsDelete: false,
        PermissionsViewAllRecords: false,
        PermissionsModifyAllRecords: false,
      });
    });
  });

  describe('--field', () => {
    it('parses field access, keeping the wider one for a repeated field', () => {
      expect(
        parseFieldGrants(['Account.Industry:read', 'Account.Phone:EDIT', 'Account.Industry:edit', 'Account.Phone:read'])
      ).to.deep.equal([
        { field: 'Account.Industry', access: 'edit' },
        { field: 'Account.Phone', access: 'edit' },
      ]);
    });

    it('refuses malformed values', () => {
      for (const value of ['Industry:read', 'Account.Industry:write', 'Account.Industry.X:read', 'Account.Industry']) {
        expect(() => parseFieldGrants([value]), value).to.throw(`"${value}" is not a valid --field value.`);
      }
    });
  });

  it('finds broad power in user permissions and View All / Modify All rows', () => {
    expect(
      broadPowers({ PermissionsModifyAllData: true, PermissionsApiEnabled: true, PermissionsAuthorApex: true }, [
        { SobjectType: 'Account', PermissionsRead: true, PermissionsViewAllRecords: true },
        { SobjectType: 'Case', PermissionsModifyAllRecords: true, PermissionsViewAllRecords: true },
        { SobjectType: 'Contact', PermissionsRead: true },
      ])
    ).to.deep.equal(['ModifyAllData', 'AuthorApex', 'View All on Account', 'Modify All on Case']);
  });

  it('checks the flags before the org is touched', () => {
    expect(grantInputError(empty)?.name).to.equal('NothingToGrantError');
    expect(grantInputError({ ...empty, objects: ['Account:read'] })).to.equal(undefined);
    for (const name of ['1Set', 'My__Set', 'My_Set_', 'My Set', 'x'.repeat(81)]) {
      expect(grantInputError({ ...empty, objects: ['Account:read'], permissionSetName: name })?.name, name).to.equal(
        'InvalidPermissionSetNameError'
      );
    }
  });

  it('derives a valid API name for the generated set from the user name', () => {
    expect(derivePermissionSetName('Acme Sync')).to.equal('Acme_Sync_Integration');
    expect(derivePermissionSetName('Müller & Söhne ERP')).to.equal('Muller_Sohne_ERP_Integration');
    expect(derivePermissionSetName('2nd Sync')).to.equal('nd_Sync_Integration');
    expect(derivePermissionSetName('数据')).to.equal('Integration_Access');
  });
});
