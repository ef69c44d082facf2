import type { Org } from '@salesforce/core';
import { OrgClient } from './org-client.js';

/** What the org and the session say about where the user goes, for derived usernames. */
export type OrgContext = {
  orgId: string;
  adminUsername: string;
};

/** The org client for a resolved --target-org, at the API version asked for (or the org's), and who runs it. */
export function connect(org: Org, apiVersion?: string): { client: OrgClient; context: OrgContext } {
  const connection = org.getConnection(apiVersion);
  return {
    client: new OrgClient(connection),
    context: { orgId: org.getOrgId(), adminUsername: org.getUsername() ?? connection.getUsername() ?? '' },
  };
}
