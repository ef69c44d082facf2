// The users and logins of a seed's `generate` section (seeds/generate.ts), stored straight into the org: tens of
// thousands of users and hundreds of thousands of logins in a few seconds (the seed's user list checks each user
// against the others, which is right for a dozen and too slow for 50,000). Its sets, profile and apps came in
// through the seed's own lists (seeds/seed.ts addGenerated).

import { GENERATED_API_PROFILE, GENERATED_API_SET } from '../seeds/generate.js';
import { INTEGRATION_PROFILE, INTEGRATION_PSL } from '../seeds/defaults.js';
import type { ResolvedSeed } from '../seeds/types.js';
import { ByName, SYSTEM } from './build-permissions.js';
import { OrgState, Rec } from './state.js';

const DAY = 86_400_000;

export function insertGenerated(
  st: OrgState,
  seed: ResolvedSeed,
  built: { psls: ByName; profiles: ByName<{ profile: Rec; ownSet: Rec }>; sets: ByName }
): void {
  const generated = seed.generated;
  if (!generated) return;
  const profileOf = (name: string): { profile: Rec; ownSet: Rec } =>
    built.profiles.get(name.toLowerCase()) as { profile: Rec; ownSet: Rec };
  const standard = profileOf('Standard User');
  const apiOnly = profileOf(GENERATED_API_PROFILE);
  const integration = profileOf(INTEGRATION_PROFILE);
  const apiSet = built.sets.get(GENERATED_API_SET.name.toLowerCase()) as Rec;
  const psl = built.psls.get(INTEGRATION_PSL.toLowerCase());
  const users = generated.users.map((u) => {
    const { profile, ownSet } =
      u.kind === 'integration' ? integration : u.kind === 'apiProfile' || u.kind === 'inactive' ? apiOnly : standard;
    const user = st.insert(
      'User',
      {
        Username: u.username,
        LastName: u.lastName,
        FirstName: u.firstName || null,
        Email: u.username,
        Alias: u.username.replace(/[^a-z]/g, '').slice(0, 8),
        CommunityNickname: u.username.split('@')[0],
        TimeZoneSidKey: seed.org.defaults.timeZoneSidKey,
        LocaleSidKey: seed.org.defaults.localeSidKey,
        EmailEncodingKey: seed.org.defaults.emailEncodingKey,
        LanguageLocaleKey: seed.org.defaults.languageLocaleKey,
        ProfileId: profile.Id,
        UserType: 'Standard',
        IsActive: u.kind !== 'inactive',
        FederationIdentifier: null,
      },
      SYSTEM
    );
    const assign = (setId: string): Rec =>
      st.insert(
        'PermissionSetAssignment',
        { AssigneeId: user.Id, PermissionSetId: setId, PermissionSetGroupId: null, IsActive: true },
        SYSTEM
      );
    assign(ownSet.Id);
    if (u.kind === 'apiSet') assign(apiSet.Id);
    for (const index of u.sets) assign((built.sets.get(generated.permissionSets[index].name.toLowerCase()) as Rec).Id);
    if (u.kind === 'integration' && psl)
      st.insert('PermissionSetLicenseAssign', { AssigneeId: user.Id, PermissionSetLicenseId: psl.Id }, SYSTEM);
    return user;
  });
  // Oldest first, as a real org's ids follow time.
  const now = Date.now();
  const logins = [...generated.logins].sort((a, b) => b.daysAgo - a.daysAgo);
  for (const login of logins)
    st.recordLogin(users[login.user], {
      type: login.type,
      time: new Date(now - login.daysAgo * DAY).toISOString(),
      status: login.status,
    });
}
