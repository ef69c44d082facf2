import { StateAggregator, type Org } from '@salesforce/core';
import { OrgClient } from './org-client.js';
import { shellQuote } from './shell.js';

/** What the org and the session say about where the user goes, for derived defaults and error texts. */
export type OrgContext = {
  orgId: string;
  adminUsername: string;
  /** The org as fixes name it: one shell word. */
  targetOrg: string;
};

/**
 * The org client for a resolved --target-org, and how commands name that org in the fixes they
 * print: by its alias when it has one, as the user typed it, quoted as one shell word.
 */
export async function connect(org: Org, apiVersion?: string): Promise<{ client: OrgClient; context: OrgContext }> {
  const connection = org.getConnection(apiVersion);
  const adminUsername = org.getUsername() ?? connection.getUsername() ?? '';
  const aliases = (await StateAggregator.getInstance()).aliases;
  return {
    client: new OrgClient(connection),
    context: {
      orgId: org.getOrgId(),
      adminUsername,
      targetOrg: shellQuote(aliases.resolveAlias(adminUsername) ?? adminUsername),
    },
  };
}
