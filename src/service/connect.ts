import type { Org } from '@salesforce/core';
import { OrgClient } from './org-client.js';
import type { OrgContext } from './users.js';

/** The org client for a resolved --target-org, and what commands say about that org. */
export function connect(org: Org, apiVersion?: string): { client: OrgClient; context: OrgContext } {
  const connection = org.getConnection(apiVersion);
  const adminUsername = org.getUsername() ?? connection.getUsername() ?? '';
  return {
    client: new OrgClient(connection),
    context: { orgId: org.getOrgId(), adminUsername, targetOrg: adminUsername },
  };
}
