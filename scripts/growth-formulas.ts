// The request count of each command on a large org, as the code makes them (issue 14): the bench prints them
// beside what it measures, and test/unit/generated-org.test.ts holds each command to its formula at two sizes.

/** Records a REST query page holds (REST API Developer Guide, "Query Options Header": default and most 2,000). */
export const PAGE = 2000;

export const requestFormulas = {
  /**
   * list: one bulk read, listMetadata (apps' API names), the ECA policies' retrieve and its status check; the
   * ConnectedApplication rows are one page up to 2,000 apps, one more request a further 2,000.
   */
  list: ({ apps }: { apps: number }): number => 4 + Math.max(0, Math.ceil(apps / PAGE) - 1),
  /**
   * list --candidates: list's 4 (the first page of the active full-license users, 2,000 a page, rides in the bulk
   * read), then one composite batch a page: its login history (8 aggregate queries of 256 users) with the GET of
   * the next page. Holds while no 256 users have more than 2,000 login groups (such a chunk is read again in halves).
   */
  listCandidates: ({ users }: { users: number }): number => 4 + Math.max(1, Math.ceil(users / PAGE)),
  /** grant: one inspection (the names in a composite batch body), then the assignments, 200 an sObject collection. */
  grant: ({ sets }: { sets: number }): number => 1 + Math.ceil(sets / 200),
  /**
   * verify --app (no key): one inspection with the app's readMetadata beside it; the ConnectedApplication rows are
   * one page up to 2,000 apps, one more request a further 2,000.
   */
  verify: ({ apps }: { apps: number }): number => 2 + Math.max(0, Math.ceil(apps / PAGE) - 1),
  /**
   * setup of one new user with a connected app, no key (no login): one inspection with the app's readMetadata
   * beside it (the ConnectedApplication rows one page up to 2,000 apps, one more request a further 2,000), then one
   * write call carrying verify's reads. A key adds the JWT exchange and the query as the user.
   */
  setup: ({ apps }: { apps: number }): number => 3 + Math.max(0, Math.ceil(apps / PAGE) - 1),
};

/** The formulas as the README and the bench show them. */
export const formulaText = {
  list: '4 + (ceil(apps / 2,000) − 1)',
  listCandidates: '4 + ceil(users / 2,000)',
  grant: '1 + ceil(sets / 200)',
  verify: '2 + (ceil(apps / 2,000) − 1)',
  setup: '3 + (ceil(apps / 2,000) − 1)',
};
