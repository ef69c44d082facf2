// Behaviour switches: where no public source settles how Salesforce answers, a switch under the seed's
// `behaviour` picks the answer. One entry per switch: its default (the documented or stricter variant) and its
// validator (switch-checks.ts); a later issue adds a switch by adding an entry here, and the Behaviour type follows
// from the table, which is the list of unsettled facts: every entry says where its question comes from, and the
// README's switch tables follow it.

import {
  bool,
  count,
  endpointList,
  errorOrAccept,
  errorOrReadOnly,
  errorSpec,
  objectFieldList,
  oneOf,
  positive,
  stringList,
  sw,
  text,
  userPermissionList,
} from './switch-checks.js';
import { obj } from './check.js';

/** An error the emulator answers with; {placeholders} in message are filled at the call site. */
export interface ErrorSpec {
  errorCode: string;
  message: string;
  status?: number;
}

export const BEHAVIOURS = {
  /** #13: WHERE on UserLicense.TotalLicenses/UsedLicenses at API >= 64.0 */
  licenseCountFilter: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),
  /** #5: error when the PSL has no free seat */
  pslLimitError: sw<'LICENSE_LIMIT_EXCEEDED' | 'INSUFFICIENT_ACCESS_OR_READONLY'>(
    'LICENSE_LIMIT_EXCEEDED',
    oneOf('LICENSE_LIMIT_EXCEEDED', 'INSUFFICIENT_ACCESS_OR_READONLY')
  ),
  /** #7: duplicate PermissionSetAssignment text; {assigneeId}, {permissionSetId} */
  duplicatePsaMessage: sw<string>(
    'Duplicate PermissionSetAssignment. Assignee: {assigneeId}, PermissionSet: {permissionSetId}',
    text
  ),
  /** #17: PATCH on PermissionSetLicenseAssign */
  pslaUpdateError: sw<ErrorSpec>(
    {
      status: 405,
      errorCode: 'METHOD_NOT_ALLOWED',
      message: "HTTP Method 'PATCH' not allowed. Allowed are HEAD,GET,DELETE",
    },
    errorSpec
  ),
  /** #1: assigning a PSL-licensed permission set creates the missing PSLA */
  autoAssignPslOnPermsetAssign: sw<boolean>(true, bool),
  /** #1 with autoAssign false: {psl} = PSL developer name, {permissionSet} = set name */
  missingPslError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "The user doesn't have the permission set license {psl}, which permission set {permissionSet} requires.",
    },
    errorSpec
  ),
  /**
   * #2, #16: a set licensed to another user license; 'accept' assigns it anyway. Also a user moving to another
   * license while holding such a set, or a PSL the new license doesn't support ({psl}; rules/users.ts checkHoldingsOnLicense).
   */
  licenseMismatchError: sw<ErrorSpec | 'accept'>(
    { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: "The user license doesn't match the permission set license." },
    errorOrAccept
  ),
  /** #14: what an integration user's session can't query */
  integrationUserDeniedTypes: sw<string[]>(['Organization'], stringList),
  /** Username not email-shaped (unsettled) */
  usernameFormatError: sw<ErrorSpec>(
    {
      errorCode: 'INVALID_NEW_VALUE',
      message: 'Username must be in the form of an email address (for example, john@acme.com)',
    },
    errorSpec
  ),
  /** PSL assigned to a user whose license it doesn't support; {psl}, {username} */
  pslIncompatibleError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "Can't assign permission set license {psl} to user {username}. The user license doesn't support it.",
    },
    errorSpec
  ),
  /** Moving a user to a profile on another user license (third-party reports say it is refused); 'accept' allows it, under the seat and license rules */
  profileLicenseChangeError: sw<ErrorSpec | 'accept'>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "You can only assign profiles that are compatible with the user's license",
    },
    errorOrAccept
  ),
  /** #15: standard-object ObjectPermissions in a set licensed to the Salesforce Integration user license */
  integrationLicensedPermsetStandardObjects: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),
  /** Assigning a permission set group whose Status isn't 'Updated'; {group}, {status} */
  groupNotUpdatedError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "Permission set group {group} can't be assigned while its status is {status}.",
    },
    errorSpec
  ),
  /** A permission set Name or group DeveloperName already in use (text unsettled); {name} */
  duplicateSetNameError: sw<ErrorSpec>(
    {
      errorCode: 'DUPLICATE_DEVELOPER_NAME',
      message: 'The API name you entered is already in use. Enter a unique API name.',
    },
    errorSpec
  ),
  /**
   * PATCH of PermissionSet.LicenseId (create-only). 'readOnlyField' answers as for any field without
   * the Update property; an ErrorSpec refuses only a changed value ({permissionSet}) and lets an unchanged one pass.
   */
  permissionSetLicenseChange: sw<ErrorSpec | 'readOnlyField'>('readOnlyField', errorOrReadOnly),
  /** FieldPermissions on a required field (text unsettled); {field} = Object.Field */
  requiredFieldPermissionError: sw<ErrorSpec>(
    {
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Field Name: bad value for restricted picklist field: {field}',
    },
    errorSpec
  ),
  /**
   * Group recalculation is asynchronous (PermissionSetGroup object reference: Status 'Updating'). After a change to a group or its members' permissions,
   * its Status reads 'Updating' for this many further requests (0 = recalculated at once).
   */
  groupRecalculationRequests: sw<number>(0, count),
  /**
   * User permissions the Salesforce Integration user license doesn't allow (which ones is undocumented).
   * Assigning a --None-- set that enables one, alone or as a group member, to a user on that license fails
   * with FIELD_INTEGRITY_EXCEPTION "The user license doesn't allow the permission: <label>" ('Modify All Data').
   * API names, 'Permissions' prefix optional; the first listed one the set enables is named. [] turns the check off.
   */
  integrationLicenseDeniedUserPermissions: sw<string[]>(
    ['ModifyAllData', 'ManageUsers', 'CustomizeApplication', 'AuthorApex'],
    userPermissionList
  ),
  /**
   * #16: deleting a user's PermissionSetLicenseAssign while a set it holds needs that PSL (the set's license is the
   * PSL, or a --None-- set grants standard-object access only the integration PSL allows). Salesforce Help, "Remove
   * a Permission Set License from a User": "First remove or modify the relevant assigned permission sets that
   * require the license"; the API's refusal isn't published: 'reject' answers FIELD_INTEGRITY_EXCEPTION
   * (placeholder text), 'allow' deletes it.
   */
  pslaDeleteWhileRequired: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),
  /**
   * #16: whether deleting the last PermissionSetAssignment that needs a PSL removes the user's PSL assignment too.
   * The same Help page: "automatically removed in most cases"; whether REST deletes are such a case is unsettled.
   */
  autoRemovePslOnLastPsaDelete: sw<boolean>(false, bool),

  // --- query pages and request size (Salesforce Help 000386264; README "Query pages and request limits") --
  /** Records in one query answer; more come through nextRecordsUrl. Salesforce: at most 2,000 (fewer for wide rows). */
  queryPageSize: sw<number>(2000, positive(2000)),
  /**
   * Rows an aggregate query (GROUP BY or aggregate functions) may answer; aggregates can't be paged, so more
   * rows answer 400 EXCEEDED_ID_LIMIT "Aggregate query does not support queryMore(), ...". Salesforce: 2,000.
   */
  aggregateQueryRowLimit: sw<number>(2000, positive(2000)),
  /**
   * Query cursors (unread nextRecordsUrl locators) one user may hold; opening one more releases the oldest, whose
   * locator then answers INVALID_QUERY_LOCATOR (SOAP API Developer Guide, query(): 10; unsettled for REST).
   */
  openQueryCursors: sw<number>(10, positive(1000)),

  // --- connected apps, External Client Apps and the JWT bearer flow ---------------------------------------
  /** #3: SetupEntityAccess under a profile-owned permission set; reject = INSUFFICIENT_ACCESS_OR_READONLY */
  setupEntityAccessOnProfilePermset: sw<'allow' | 'reject'>('allow', oneOf('allow', 'reject')),
  /** #4: SetupEntityAccess naming an External Client App: accepted and counted for JWT, accepted but ignored, or refused */
  setupEntityAccessForEca: sw<'honour' | 'ignore' | 'reject'>('honour', oneOf('honour', 'ignore', 'reject')),
  /** #6: a second SetupEntityAccess for the same set and app: DUPLICATE_VALUE, or the existing row answered as created */
  duplicateSetupEntityAccess: sw<'error' | 'noop'>('error', oneOf('error', 'noop')),
  /** #8: JWT answer for a user an admin-approved ECA doesn't pre-authorize */
  ecaNotApprovedError: sw<'hasnt_approved' | 'invalid_app_access'>(
    'hasnt_approved',
    oneOf('hasnt_approved', 'invalid_app_access')
  ),
  /** #9: the next n token requests after an app or policy change are answered as before the change */
  policyPropagationFailures: sw<number>(0, count),
  /**
   * JWT `aud` = the org's own URL (My Domain). The JWT bearer flow page (Salesforce Help) documents only
   * login.salesforce.com, test.salesforce.com (sandboxes) and an Experience Cloud site URL; whether My Domain
   * is accepted is unsettled. Default accept: the stock sf's first try signs it (sfdx-core getLoginAudienceCombos).
   */
  myDomainAudience: sw<'accept' | 'reject'>('accept', oneOf('accept', 'reject')),
  /**
   * userinfo for a JWT session whose token has none of openid / id / profile: 'required' answers 403 (Help,
   * "UserInfo Endpoint": the endpoint is OpenID Connect's, and answers only tokens with those scopes; the body is unsettled).
   */
  userinfoScope: sw<'required' | 'any'>('required', oneOf('required', 'any')),
  /** #10: what the ECA policy's commaSeparatedPermissionSet holds (and matches) */
  ecaPermsetMatch: sw<'name' | 'id' | 'both'>('name', oneOf('name', 'id', 'both')),
  /** #10: what ConnectedApp permissionSetName holds (and matches) */
  connectedAppPermsetMatch: sw<'name' | 'label' | 'both'>('name', oneOf('name', 'label', 'both')),
  /** #11: the query endpoints serving ExternalClientApplication and ExtlClntAppOauthPlcyCnfg; the others answer INVALID_TYPE */
  ecaQueryEndpoints: sw<Array<'data' | 'tooling'>>(['data', 'tooling'], endpointList),
  /** #12: Metadata API updates of an existing connected app (updateMetadata, upsertMetadata, deploy) */
  connectedAppMetadataUpdate: sw<'allow' | 'reject'>('allow', oneOf('allow', 'reject')),
  /** #12: creating a connected app through the Metadata API (blocked since Spring '26: Salesforce Help, connected app creation restrictions) */
  allowConnectedAppCreation: sw<boolean>(false, bool),
  /** #12: the refusal of a new connected app (text unknown); {name} */
  connectedAppCreationError: sw<ErrorSpec>(
    {
      errorCode: 'INSUFFICIENT_ACCESS',
      message:
        "Can't create connected app {name}: creation of connected apps is restricted in this org. Create an external client app instead.",
    },
    errorSpec
  ),
  /**
   * The org setting "Allow Access to OAuth Consumer Secrets via Metadata API" (Metadata API reference,
   * ExtlClntAppGlobalOauthSettings; Help's Metadata Secrets Protection recommends it off):
   * ExtlClntAppGlobalOauthSettings carries consumerKey/consumerSecret in retrieves, and accepts a deployed secret
   */
  ecaConsumerSecretsInMetadata: sw<boolean>(false, bool),
  /**
   * #11 item 10 (unsettled): whether a consumerKey deployed in ExtlClntAppGlobalOauthSettings is kept, or Salesforce
   * generates its own and ignores the one sent (third-party notes). Default: the stricter 'generated'.
   */
  ecaConsumerKey: sw<'from-deploy' | 'generated'>('generated', oneOf('from-deploy', 'generated')),
  /**
   * #11 item 10: deploying ExtlClntAppGlobalOauthSettings / ExtlClntAppOauthSettings needs "Allow Access to OAuth Consumer
   * Secrets via Metadata API" (Metadata API reference, Special Access Rules; newer ExternalClientAppSettings pages mark the
   * setting deprecated). 'requires-setting' (default, documented and stricter): refused unless ecaConsumerSecretsInMetadata.
   */
  ecaOauthSettingsDeploy: sw<'allow' | 'requires-setting'>('requires-setting', oneOf('allow', 'requires-setting')),
  // --- the client credentials flow (#15; README "The client credentials flow") ------------------------------
  /** Client id and secret sent both in the body and as HTTP Basic, and differing (unsettled): refuse, or believe one */
  ccBothCredentialForms: sw<'reject' | 'prefer-header' | 'prefer-body'>(
    'reject',
    oneOf('reject', 'prefer-header', 'prefer-body')
  ),
  /** The `error` for an app without the flow enabled (third-party write-ups differ; the description stays "client credentials flow not enabled") */
  ccFlowDisabledError: sw<'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type'>(
    'invalid_grant',
    oneOf('invalid_grant', 'unauthorized_client', 'unsupported_grant_type')
  ),
  /** The answer for an inactive run-as user (no report for this flow): errorCode = `error`, message = `error_description` */
  ccInactiveRunAsError: sw<ErrorSpec>({ errorCode: 'invalid_grant', message: 'inactive user' }, errorSpec),
  /**
   * The Metadata API reference says the run-as user "must have the API Only permission"; Help and third parties call
   * it a recommendation. enforce: deploys naming such a user are refused and tokens too; deploy-only: only deploys; none: neither.
   */
  ccRunAsApiOnly: sw<'enforce' | 'deploy-only' | 'none'>('enforce', oneOf('enforce', 'deploy-only', 'none')),
  /** Admin-approved app whose run-as user isn't pre-authorized: invalid_app_access (third-party docs) or no check (other Help pages) */
  ccRequiresPreauthorization: sw<'enforce' | 'ignore'>('enforce', oneOf('enforce', 'ignore')),
  /** An app without the Api scope: invalid_grant "no valid scopes" (one third-party report, Winter '26+) or no check */
  ccScopeCheck: sw<'require-api' | 'none'>('require-api', oneOf('require-api', 'none')),
  /** ECA: a token needs both isClientCredentialsFlowEnabled flags (global OAuth settings and policy; third-party notes) or the policy's only */
  ecaClientCredentialsFlags: sw<'both' | 'policy-only'>('both', oneOf('both', 'policy-only')),
  /**
   * ConnectedApp oauthClientCredentialUser through the Metadata API: stored (the reference documents the field), ignored
   * (the write succeeds and the old value stays: one admin's runbook says only Setup sets it), or refused
   */
  connectedAppRunAsViaMetadata: sw<'allow' | 'ignore' | 'reject'>('allow', oneOf('allow', 'ignore', 'reject')),
  /** A client credentials token also writes an OauthToken row (that object lists refresh-token grants, and this flow issues none) */
  ccWritesOauthToken: sw<boolean>(false, bool),
  /**
   * Deactivating a user that an app's client credentials flow runs as: no source says (Help, "Considerations for
   * Deactivating Users", lists other blockers). reject (stricter): FIELD_INTEGRITY_EXCEPTION naming the app; allow:
   * deactivated, and the app's later tokens fail (ccInactiveRunAsError)
   */
  deactivateRunAsUser: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),

  /**
   * Columns this org doesn't have, as `Object.Field`: gone from describe, and a query naming one fails whole with
   * INVALID_FIELD "No such column '<Field>' on entity '<Object>'...". PermissionSet.PermissionsUseAnyApiClient
   * exists only where API Access Control is on, which Salesforce Support enables (Salesforce Help, "Manage API
   * Access"); other Permissions* columns depend on features and licenses the same way.
   */
  absentFields: sw<string[]>(['PermissionSet.PermissionsUseAnyApiClient'], objectFieldList),
  /**
   * Whether `=` / IN values on EntityDefinition, EntityParticle and FieldDefinition match only their exact spelling
   * (unsettled: OrgCheck issue 238 saw '<Local>' match nothing where '<local>' did) or case-insensitively as SOQL
   * does elsewhere (data/setup-objects.ts).
   */
  setupObjectValueMatch: sw<'exact' | 'case-insensitive'>('exact', oneOf('exact', 'case-insensitive')),
  /**
   * REST API Developer Guide, Composite Request Body: from API 49.0 collateSubrequests defaults to true and
   * collated subrequests run in no guaranteed order unless one refers to another. 'reorder' runs such a
   * composite's unrelated subrequests in reverse (http/composite.ts executionOrder), the stricter reading; 'in-order' as sent.
   */
  collateSubrequests: sw<'in-order' | 'reorder'>('reorder', oneOf('in-order', 'reorder')),
  /** retrieve and deploy report "in progress" to this many status checks before they complete (0 = done on the first) */
  metadataAsyncPolls: sw<number>(0, count),
};

export type Behaviour = { [K in keyof typeof BEHAVIOURS]: (typeof BEHAVIOURS)[K]['default'] };

export function defaultBehaviour(): Behaviour {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(BEHAVIOURS)) out[k] = structuredClone(v.default);
  return out as Behaviour;
}

/** The seed's `behaviour` section laid over the defaults, each value checked by its switch's validator. */
export function resolveBehaviour(raw: unknown): Behaviour {
  const behaviour = defaultBehaviour();
  if (raw !== undefined) {
    const b = obj(raw, 'seed.behaviour', Object.keys(BEHAVIOURS));
    for (const [k, v] of Object.entries(b)) {
      (behaviour as Record<string, unknown>)[k] = BEHAVIOURS[k as keyof typeof BEHAVIOURS].check(
        v,
        `seed.behaviour.${k}`
      );
    }
  }
  return behaviour;
}
