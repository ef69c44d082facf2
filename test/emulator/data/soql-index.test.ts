// The SOQL engine's indexes (soql-index.ts) give the scan's answers, in the scan's order, on a generated org,
// before and after writes to the indexed tables.

import { expect } from 'chai';
import { resolveSeed } from '../seeds/seed.js';
import { buildState } from './build-state.js';
import { SoqlEngine } from './soql.js';

const opts = { apiVersion: 66, endpoint: 'data' as const };

describe('SOQL indexes on a generated org', function () {
  this.timeout(120_000);

  it('answer as the scan does, before and after writes', () => {
    const state = buildState(
      resolveSeed({
        generate: {
          seed: 3,
          fullLicenseUsers: 2000,
          loginHistoryRows: 12_000,
          permissionSets: 200,
          connectedApps: 20,
          integrationUsers: 3,
        },
      })
    );
    const engine = new SoqlEngine(state);
    const users = engine.run('SELECT Id, ProfileId FROM User ORDER BY Username', opts).records as Array<{
      Id: string;
      ProfileId: string;
    }>;
    const ids = users.slice(0, 300).map((u) => u.Id);
    // 15-character and lower-case forms of an Id match too.
    const mixed = [ids[0].slice(0, 15), ids[1].toLowerCase(), ids[2], ids[2], '0055g0000099999'];
    const list = (values: string[]): string => `(${values.map((v) => `'${v}'`).join(', ')})`;
    const queries = [
      `SELECT UserId, LoginType, Status, COUNT(Id) logins FROM LoginHistory WHERE UserId IN ${list(ids)} AND LoginTime = LAST_N_DAYS:180 GROUP BY UserId, LoginType, Status`,
      `SELECT Id, UserId, LoginTime FROM LoginHistory WHERE UserId IN ${list(mixed)}`,
      `SELECT Id FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:30 AND UserId = '${ids[5]}'`,
      `SELECT Id FROM LoginHistory WHERE UserId = '${ids[5]}' OR LoginType = 'SOAP API'`,
      `SELECT Id FROM LoginHistory WHERE NOT UserId = '${ids[5]}'`,
      `SELECT Id FROM LoginHistory WHERE (UserId = '${ids[5]}' OR UserId = '${ids[6]}') AND LoginType = 'Application'`,
      `SELECT AssigneeId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId IN ${list(ids)} AND PermissionSet.IsOwnedByProfile = false`,
      `SELECT Id, Username FROM User WHERE ProfileId = '${users[10].ProfileId}' AND IsActive = true ORDER BY Username LIMIT 50`,
      `SELECT Id, Name, (SELECT PermissionSetId FROM PermissionSetAssignments) FROM User WHERE Id IN ${list(ids.slice(0, 40))}`,
      `SELECT Id FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.PermissionsApiUserOnly = true)`,
      `SELECT COUNT() FROM LoginHistory WHERE UserId IN ${list(ids)}`,
    ];
    const answers = (): unknown[] => queries.map((q) => engine.run(q, opts));
    const compare = (): void => {
      engine.indexes.enabled = true;
      const hits = engine.indexes.hits;
      const indexed = answers();
      // The index answered the queries with an Id or reference conjunct (not the OR or NOT ones).
      expect(engine.indexes.hits - hits).to.equal(7);
      engine.indexes.enabled = false;
      expect(answers()).to.deep.equal(indexed);
      engine.indexes.enabled = true;
    };
    compare();
    expect((engine.run(queries[0], opts).records as unknown[]).length).to.be.greaterThan(300);
    // Writes move the indexes: a new login, an assignment moved to another user, a deleted login, a rollback.
    const savepoint = state.savepoint();
    state.recordLogin(state.get('User', ids[0])!, { type: 'Application', time: new Date().toISOString() });
    const assignment = state.records('PermissionSetAssignment').find((a) => a.AssigneeId === ids[7])!;
    state.update('PermissionSetAssignment', assignment.Id, { AssigneeId: ids[8] }, '');
    state.remove('LoginHistory', state.records('LoginHistory').find((l) => l.UserId === ids[5])!.Id);
    compare();
    state.rollback(savepoint);
    compare();
  });
});
