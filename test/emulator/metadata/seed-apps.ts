// Apps from a resolved seed (already validated): connected apps and External Client Apps with every component
// the metadata holds, their grants (SetupEntityAccess) and their earlier approvals (OauthToken rows).

import type { Rec } from '../data/state.js';
import type { ResolvedSeed, SeedConnectedApp, SeedExternalClientApp } from '../seeds/types.js';
import {
  OAUTH_CONSUMER_PREFIX,
  WriteContext,
  bool,
  ecaFields,
  findPermissionSet,
  newSecret,
  ownSetOf,
  policyFields,
  profileByName,
  subComponent,
  syncGrants,
} from './apps.js';
import type { OrgState } from '../data/state.js';
import type { Tree } from './xml.js';

/** Apps, their grants and their OAuth tokens from a resolved seed (the seed was validated already). */
export function seedApps(state: OrgState, seed: ResolvedSeed): void {
  const ctx: WriteContext = { state, userId: '' };
  const adminEmail = seed.admin.username;
  const setIdsFor = (profiles: string[], sets: string[]): string[] => [
    ...profiles.map((n) => (ownSetOf(state, profileByName(state, n)?.Id) as Rec).Id),
    ...sets.map((n) => (findPermissionSet(state, n, 'name') as Rec).Id),
  ];
  for (const a of seed.connectedApps)
    seedConnectedApp(ctx, a, adminEmail, setIdsFor(a.profiles ?? [], a.permissionSets ?? []));
  for (const a of seed.externalClientApps) seedEca(ctx, a, adminEmail);
  for (const a of [...seed.connectedApps, ...seed.externalClientApps]) {
    for (const t of a.oauthTokens ?? []) {
      const user = state.findBy('User', 'Username', t.username) as Rec;
      const when = t.lastUsed ? new Date(t.lastUsed) : new Date();
      const stamp = when.toISOString().replace('Z', '+0000');
      // OauthToken.AppName is "the label for the connected app" (object reference).
      state.insert(
        'OauthToken',
        { AppName: a.label ?? a.name, UserId: user.Id, LastUsedDate: stamp, UseCount: 1, _approved: true },
        ''
      );
    }
  }
}

function seedConnectedApp(ctx: WriteContext, a: SeedConnectedApp, adminEmail: string, grantParents: string[]): void {
  const oauthConfig: Tree = {
    callbackUrl: a.callbackUrl ?? 'http://localhost:1717/OauthRedirect',
    consumerKey: a.consumerKey,
    isConsumerSecretOptional: 'false',
    isIntrospectAllTokens: 'false',
    isSecretRequiredForRefreshToken: 'true',
    scopes: a.scopes ?? ['Api', 'RefreshToken'],
  };
  if (a.certificate) oauthConfig.certificate = a.certificate.trim();
  // The client credentials flow's two ConnectedApp oauthConfig fields (Metadata API reference, ConnectedAppOauthConfig, API 56.0+).
  if (a.clientCredentialsFlow) oauthConfig.isClientCredentialEnabled = 'true';
  if (a.runAs) oauthConfig.oauthClientCredentialUser = a.runAs;
  const meta: Tree = {
    contactEmail: a.contactEmail ?? adminEmail,
    label: a.label ?? a.name,
    oauthConfig,
    oauthPolicy: { ipRelaxation: a.ipRelaxation ?? 'ENFORCE', refreshTokenPolicy: a.refreshTokenPolicy ?? 'infinite' },
  };
  const rec = ctx.state.insert(
    'ConnectedApplication',
    {
      Name: a.label ?? a.name,
      _fullName: a.name,
      OptionsAllowAdminApprovedUsersOnly: a.adminApproved === true,
      _metadata: meta,
      _consumerSecret: a.consumerSecret ?? newSecret(),
    },
    ''
  );
  syncGrants(ctx, rec.Id, grantParents);
}

function seedEca(ctx: WriteContext, a: SeedExternalClientApp, adminEmail: string): void {
  const { state } = ctx;
  const label = a.label ?? a.name;
  const header: Tree = {
    contactEmail: a.contactEmail ?? adminEmail,
    distributionState: 'Local',
    isProtected: 'false',
    label,
    orgScopedExternalApp: `${state.orgId}:${a.name}`,
  };
  const app = state.insert('ExternalClientApplication', ecaFields(a.name, header), '');
  const { global, settings, plugins } = ecaComponents(a, label);
  state.update(
    'ExternalClientApplication',
    app.Id,
    {
      _global: subComponent(ctx, undefined, `${a.name}GlblOAuth`, global),
      _settings: subComponent(ctx, undefined, `${a.name}OAuthSettings`, settings),
      _plugins: subComponent(ctx, undefined, `${a.name}_defaultPolicy`, plugins),
      _consumerSecret: a.consumerSecret ?? newSecret(),
      _consumerId: state.ids.next(OAUTH_CONSUMER_PREFIX),
    },
    ''
  );
  // The seed names permission sets; the policy stores them as the org expects them (ecaPermsetMatch 'id': Ids).
  const sets = (a.permissionSets ?? []).map((n) => {
    const set = findPermissionSet(state, n, 'name') as Rec;
    return state.behaviour.ecaPermsetMatch === 'id' ? set.Id : (set.Name as string);
  });
  const policy: Tree = {
    externalClientApplication: a.name,
    ipRelaxationPolicyType: a.ipRelaxation ?? 'Enforce',
    isClientCredentialsFlowEnabled: bool(a.clientCredentialsFlow === true),
    isGuestCodeCredFlowEnabled: 'false',
    isTokenExchangeFlowEnabled: 'false',
    label,
    permittedUsersPolicyType: a.permittedUsers ?? 'AllSelfAuthorized',
    refreshTokenPolicyType: a.refreshTokenPolicy ?? 'Infinite',
  };
  // ExtlClntAppOauthConfigurablePolicies clientCredentialsFlowUser: the run-as user's Username (Metadata API reference, API 60.0+).
  if (a.runAs) policy.clientCredentialsFlowUser = a.runAs;
  if (a.profiles?.length) policy.commaSeparatedProfile = a.profiles.join(',');
  if (sets.length) policy.commaSeparatedPermissionSet = sets.join(',');
  state.insert('ExtlClntAppOauthPlcyCnfg', policyFields(`${a.name}OAuthSettings_defaultPolicy`, app.Id, policy), '');
}

/** The seeded ECA's global OAuth settings, OAuth settings and plugin policies. */
function ecaComponents(a: SeedExternalClientApp, label: string): { global: Tree; settings: Tree; plugins: Tree } {
  const global: Tree = {
    callbackUrl: 'http://localhost:1717/OauthRedirect',
    consumerKey: a.consumerKey,
    externalClientApplication: a.name,
    // The global settings' own flag (Metadata API reference, ExtlClntAppGlobalOauthSettings, API 60.0+).
    isClientCredentialsFlowEnabled: bool(a.clientCredentialsFlow === true),
    isConsumerSecretOptional: 'false',
    isIntrospectAllTokens: 'false',
    isPkceRequired: 'true',
    isSecretRequiredForRefreshToken: 'true',
    label,
    shouldRotateConsumerKey: 'false',
    shouldRotateConsumerSecret: 'false',
  };
  if (a.certificate) global.certificate = a.certificate.trim();
  const settings: Tree = {
    commaSeparatedOauthScopes: (a.scopes ?? ['Api', 'RefreshToken']).join(', '),
    externalClientApplication: a.name,
    label,
  };
  const plugins: Tree = {
    externalClientApplication: a.name,
    isEnabled: bool(a.enabled !== false),
    isOauthPluginEnabled: 'true',
    label,
  };
  return { global, settings, plugins };
}
