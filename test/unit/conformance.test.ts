// The conformance runner's judgement of the answers it reads: the org's own shapes (a real org
// answers an empty child relationship with null; a composite answers each part on its own).
// The whole runner is proven end to end in test/e2e/conformance.test.ts.
import { expect } from 'chai';
import { cleanupRequest, judgeCleanup, type CleanupPlan } from '../../scripts/conformance/cleanup.js';
import { readConfig, runNames } from '../../scripts/conformance/config.js';
import { changesBetween, expectFields, heldByUser, type Held } from '../../scripts/conformance/judging.js';

const USER = '0055g000000000GAAQ';
const row = (type: string, id: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  attributes: { type, url: `/services/data/v62.0/sobjects/${type}/${id}` },
  Id: id,
  ...fields,
});

/** `sf data query --json`'s result for userStateQuery, as a real org answers it. */
function userRead(
  sets: Array<[id: string, name: string]>,
  licenses: Array<[id: string, name: string]>,
  active = true
): object {
  const children = (records: Array<Record<string, unknown>>): object | null =>
    records.length ? { totalSize: records.length, done: true, records } : null;
  return {
    totalSize: 1,
    done: true,
    records: [
      row('User', USER, {
        IsActive: active,
        LastModifiedDate: '2026-06-01T08:00:00.000+0000',
        PermissionSetAssignments: children(
          sets.map(([id, name]) =>
            row('PermissionSetAssignment', id, {
              PermissionSetId: `0PS${id.slice(3)}`,
              PermissionSet: { Name: name, LastModifiedDate: '2026-06-01T08:00:01.000+0000' },
            })
          )
        ),
        PermissionSetLicenseAssignments: children(
          licenses.map(([id, name]) =>
            row('PermissionSetLicenseAssign', id, { PermissionSetLicense: { DeveloperName: name } })
          )
        ),
      }),
    ],
  };
}

describe('conformance runner: judging what the org answers', () => {
  it('reads a user whose child relationships are null (a real org with no rows) as holding nothing', () => {
    expect(heldByUser(userRead([], [], false))).to.deep.equal({
      isActive: false,
      lastModified: '2026-06-01T08:00:00.000+0000',
      sets: [],
      licenses: [],
      apiVersion: 'v62.0',
    });
  });

  it('reads assignments sorted by Id, with the set names and the API version sf used', () => {
    const held = heldByUser(
      userRead(
        [
          ['0Pa000000000002AAA', 'B_Set'],
          ['0Pa000000000001AAA', "O'Brien_Set"],
        ],
        [['2LA000000000001AAA', 'SalesforceAPIIntegrationPsl']]
      )
    );
    expect(held?.sets.map((s) => `${s.id} ${s.setId} ${s.name}`)).to.deep.equal([
      "0Pa000000000001AAA 0PS000000000001AAA O'Brien_Set",
      '0Pa000000000002AAA 0PS000000000002AAA B_Set',
    ]);
    expect(held?.licenses).to.deep.equal([{ id: '2LA000000000001AAA', name: 'SalesforceAPIIntegrationPsl' }]);
    expect(held?.apiVersion).to.equal('v62.0');
    expect(heldByUser({ records: [] })).to.equal(undefined);
  });

  it('names every change between two reads, and none between equal ones', () => {
    const before = heldByUser(
      userRead([['0Pa000000000001AAA', 'Gen_Set']], [['2LA000000000001AAA', 'SalesforceAPIIntegrationPsl']])
    ) as Held;
    expect(changesBetween(before, structuredClone(before))).to.deep.equal([]);
    const after = heldByUser(
      userRead([['0Pa000000000009AAA', 'Gen_Set']], [['2LA000000000001AAA', 'SalesforceAPIIntegrationPsl']])
    ) as Held;
    after.lastModified = '2026-06-01T08:05:00.000+0000';
    expect(changesBetween(before, after)).to.deep.equal([
      'the User record changed (LastModifiedDate 2026-06-01T08:00:00.000+0000 -> 2026-06-01T08:05:00.000+0000)',
      'permission set assignments changed: was Gen_Set 0Pa000000000001AAA 2026-06-01T08:00:01.000+0000, now Gen_Set 0Pa000000000009AAA 2026-06-01T08:00:01.000+0000',
    ]);
  });

  it('compares result fields exactly, naming what came instead', () => {
    expect(expectFields({ status: 'exists', created: false }, { status: 'exists', created: false })).to.deep.equal([]);
    expect(
      expectFields({ status: 'created', created: true }, { status: 'exists', created: false, id: '005' })
    ).to.deep.equal([
      'status is "created", expected "exists"',
      'created is true, expected false',
      'id is undefined, expected "005"',
    ]);
  });
});

describe('conformance runner: cleanup as one composite request', () => {
  const held = heldByUser(
    userRead([['0Pa000000000001AAA', 'Gen_Set']], [['2LA000000000001AAA', 'SalesforceAPIIntegrationPsl']])
  ) as Held;
  const plan: CleanupPlan = {
    userId: USER,
    username: 'sync@acme.example',
    held,
    deleteSet: { id: '0PS000000000001AAA', name: 'Gen_Set' },
    apiVersion: 'v62.0',
  };

  it('deletes the sets, then the licenses, then the generated set, deactivates, reads back: in that order, each part on its own', () => {
    const body = cleanupRequest(plan);
    expect(body).to.deep.include({ allOrNone: false, collateSubrequests: false });
    expect(body.compositeRequest.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.referenceId}`)).to.deep.equal([
      'DELETE /services/data/v62.0/composite/sobjects permissionSetAssignments',
      'DELETE /services/data/v62.0/composite/sobjects licenseAssignments',
      'DELETE /services/data/v62.0/sobjects/PermissionSet/0PS000000000001AAA generatedSet',
      `PATCH /services/data/v62.0/sobjects/User/${USER} deactivate`,
      'GET /services/data/v62.0/query afterwards',
    ]);
    expect(body.compositeRequest[0].url).to.equal(
      '/services/data/v62.0/composite/sobjects?ids=0Pa000000000001AAA&allOrNone=false'
    );
    expect(body.compositeRequest[3].body).to.deep.equal({ IsActive: false });
    expect(JSON.stringify(body)).not.to.include("'");
    // Without a set of its own to delete (an existing app lists it), nothing deletes a set.
    expect(cleanupRequest({ ...plan, deleteSet: undefined }).compositeRequest.map((r) => r.referenceId)).to.deep.equal([
      'permissionSetAssignments',
      'licenseAssignments',
      'deactivate',
      'afterwards',
    ]);
  });

  it("judges each part from its own answer, naming Salesforce's error", () => {
    const answer = {
      statusCode: 200,
      body: {
        compositeResponse: [
          {
            referenceId: 'permissionSetAssignments',
            httpStatusCode: 200,
            body: [{ id: '0Pa000000000001AAA', success: true, errors: [] }],
          },
          {
            referenceId: 'licenseAssignments',
            httpStatusCode: 200,
            body: [
              {
                id: '2LA000000000001AAA',
                success: false,
                errors: [{ statusCode: 'DELETE_FAILED', message: 'Cannot remove the license while sets need it' }],
              },
            ],
          },
          { referenceId: 'generatedSet', httpStatusCode: 204, body: null },
          {
            referenceId: 'deactivate',
            httpStatusCode: 400,
            body: [{ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'default workflow user' }],
          },
          {
            referenceId: 'afterwards',
            httpStatusCode: 200,
            body: userRead([], [['2LA000000000001AAA', 'SalesforceAPIIntegrationPsl']]),
          },
        ],
      },
    };
    expect(
      judgeCleanup(plan, answer).map(({ step, verdict }) => [step, verdict.problems.join('; ') || 'ok'])
    ).to.deep.equal([
      ['remove Gen_Set', 'ok'],
      ['remove SalesforceAPIIntegrationPsl', 'DELETE_FAILED: Cannot remove the license while sets need it'],
      ['delete Gen_Set', 'ok'],
      ['deactivate user', 'answered 400: FIELD_INTEGRITY_EXCEPTION: default workflow user'],
      ['cleanup shows', 'the user is still active; it still holds SalesforceAPIIntegrationPsl'],
    ]);
    expect(
      judgeCleanup(plan, {
        statusCode: 400,
        body: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
      })
    ).to.deep.equal([
      {
        step: 'cleanup',
        verdict: {
          outcome: '',
          problems: ['the composite request answered 400: INVALID_SESSION_ID: Session expired or invalid'],
        },
      },
    ]);
  });
});

describe('conformance runner: configuration', () => {
  it('with an existing app needs no certificate; the wait defaults to 10 minutes; production needs a yes', () => {
    expect(
      readConfig(
        {
          PIU_ORG: 'sbx',
          PIU_JWT_KEY_FILE: 'package.json',
          PIU_EMAIL: 'it@acme.example',
          PIU_APP: 'Acme_Sync',
          PIU_CLIENT_ID: '3MVG9x',
        },
        ['--json']
      )
    ).to.deep.equal({
      org: 'sbx',
      keyFile: 'package.json',
      certFile: undefined,
      app: 'Acme_Sync',
      clientId: '3MVG9x',
      email: 'it@acme.example',
      loginUrl: undefined,
      waitMinutes: 10,
      allowProduction: false,
      json: true,
    });
  });

  it('names every problem, and the files that are missing', () => {
    expect(
      readConfig(
        { PIU_ORG: 'sbx', PIU_JWT_KEY_FILE: 'no-such.key', PIU_EMAIL: 'it at acme', PIU_CERT_FILE: 'no-such.crt' },
        ['--verbose']
      )
    ).to.deep.equal({
      problems: [
        'PIU_JWT_KEY_FILE: no file at no-such.key.',
        'PIU_EMAIL: it at acme is not an email address.',
        'PIU_CERT_FILE: no file at no-such.crt.',
        'Unknown argument --verbose: the run is configured through PIU_* variables; --json is its one option.',
      ],
    });
  });

  it('marks each run with the date and a random suffix, as a user name and an app API name', () => {
    const names = runNames(new Date('2026-06-01T12:00:00Z'));
    expect(names.userName).to.match(/^PIU Conformance 260601 [a-z0-9]{4}$/);
    expect(names.appName).to.equal(names.userName.replace(/ /g, '_'));
    expect(runNames().userName).not.to.equal(runNames().userName);
  });
});
