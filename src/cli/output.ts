import { Messages } from '@salesforce/core';
import type { SfCommand } from '@salesforce/sf-plugins-core';
import type { CreateUserResult } from '../service/create.js';
import type { GrantResult } from '../service/grant-result.js';
import type { ListResult } from '../service/list.js';
import type { SetupResult } from '../service/setup-result.js';
import type { Check, VerifyResult } from '../service/verify-result.js';
import { plural } from '../service/plural.js';

/**
 * The human output of the commands (never with --json: sf's log and table print nothing then): tables and
 * checklists, every word from the command's messages bundle.
 */

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const bundle = (name: string): Messages<string> =>
  Messages.loadMessages('plugin-integration-user', `integration-user.${name}`);

/** What a command prints with. */
export type Printer = Pick<SfCommand<unknown>, 'log' | 'table'>;

/**
 * A table whose columns are named in the command's bundle (`column.<key>`). A column empty in every row is left
 * out (those in `keep` stay: their emptiness says something); a table without rows isn't printed.
 */
function table<R extends Record<string, string>>(
  out: Printer,
  messages: Messages<string>,
  data: R[],
  keys: Array<keyof R & string>,
  keep: Array<keyof R & string> = []
): void {
  if (!data.length) return;
  const shown = keys.filter((key) => keep.includes(key) || data.some((row) => row[key] !== ''));
  out.table({ data, columns: shown.map((key) => ({ key, name: messages.getMessage(`column.${key}`) })) });
}

const yesNo = (messages: Messages<string>, value: boolean): string =>
  messages.getMessage(value ? 'value.yes' : 'value.no');

/** A time the org gave (ISO 8601) in the user's own locale and time zone; "never" for none. */
export function localTime(messages: Messages<string>, iso: string | null | undefined): string {
  if (!iso) return messages.getMessage('value.never');
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** create: the user as it is now (or would be). */
export function printCreated(out: Printer, result: CreateUserResult): void {
  const messages = bundle('create');
  table(
    out,
    messages,
    [
      { field: messages.getMessage('field.id'), value: result.id ?? messages.getMessage('value.notCreated') },
      { field: messages.getMessage('field.username'), value: result.username },
      { field: messages.getMessage('field.alias'), value: result.alias },
      { field: messages.getMessage('field.profile'), value: result.profile },
      {
        field: messages.getMessage('field.license'),
        value: messages.getMessage('value.license', [result.userLicense, result.seats.free, result.seats.total]),
      },
    ],
    ['field', 'value']
  );
}

/** grant: each set and group with its license and what became of it, then the generated set's access. */
export function printGrant(out: Printer, result: GrantResult): void {
  const messages = bundle('grant');
  out.log(messages.getMessage(result.dryRun ? 'output.dryRun' : 'output.granted', [result.username]));
  table(
    out,
    messages,
    result.permissionSets.map((item) => ({
      name: item.name,
      type: messages.getMessage(`type.${item.type}`),
      license: item.license,
      status: messages.getMessage(`status.${item.status}`),
      note: item.reason ?? '',
    })),
    ['name', 'type', 'license', 'status', 'note']
  );
  const generated = result.generatedPermissionSet;
  if (!generated) return;
  out.log(
    messages.getMessage('output.generated', [
      generated.name,
      messages.getMessage(`generatedStatus.${generated.status}`),
    ])
  );
  // The access as a diff to the set in the org: added, removed (a dry run: would add, would remove), unchanged.
  const rows = (['added', 'removed', 'unchanged'] as const).flatMap((change) => {
    const list = generated.changes?.[change] ?? { objects: [], fields: [] };
    const word = messages.getMessage(`value.${change}${result.dryRun && change !== 'unchanged' ? 'DryRun' : ''}`);
    return [
      ...list.objects.map((o) => ({
        access: messages.getMessage('value.access', [o.object, o.access.join(', ')]),
        change: word,
      })),
      ...list.fields.map((f) => ({
        access: messages.getMessage('value.access', [f.field, f.access.join(', ')]),
        change: word,
      })),
    ];
  });
  table(out, messages, rows, ['access', 'change']);
}

/** list: one row an integration user, as the table and the CSV show it (`time` writes its last login). */
export function listUserRows(
  result: ListResult,
  time: (iso: string | null) => string = (iso) => localTime(bundle('list'), iso)
): Array<Record<ListUserColumn, string>> {
  const messages = bundle('list');
  return result.users.map((u) => ({
    username: u.username,
    name: u.name,
    active: yesNo(messages, u.active),
    psl: yesNo(messages, u.psl),
    sets: [...u.permissionSets, ...u.permissionSetGroups.map((g) => messages.getMessage('value.group', [g]))].join(
      ', '
    ),
    // Apps it is pre-authorized on, and apps whose client credentials flow runs as it (marked).
    apps: [
      ...u.apps.filter((a) => !u.runAsApps.includes(a)),
      ...u.runAsApps.map((a) => messages.getMessage('value.runAs', [a])),
    ].join(', '),
    lastLogin: time(u.lastLogin),
  }));
}
export const LIST_USER_COLUMNS = ['username', 'name', 'active', 'psl', 'sets', 'apps', 'lastLogin'] as const;
type ListUserColumn = (typeof LIST_USER_COLUMNS)[number];

/** list --candidates: one row a full-license user that could move. */
export function listCandidateRows(result: ListResult): Array<Record<ListCandidateColumn, string>> {
  return (result.candidates ?? []).map((c) => ({
    username: c.username,
    name: c.name,
    license: c.license,
    why: c.reasons.join('; '),
    saving: String(c.yearlySaving),
    command: c.command,
  }));
}
export const LIST_CANDIDATE_COLUMNS = ['username', 'name', 'license', 'why', 'saving', 'command'] as const;
type ListCandidateColumn = (typeof LIST_CANDIDATE_COLUMNS)[number];

/** A table's column names, as the human table heads them. */
export const listColumnNames = (keys: readonly string[]): string[] =>
  keys.map((key) => bundle('list').getMessage(`column.${key}`));

/** list: the seats, every integration user, and with --candidates the users that could move. */
export function printList(out: Printer, result: ListResult): void {
  const messages = bundle('list');
  const { userLicense, permissionSetLicense } = result.seats;
  out.log(
    messages.getMessage('output.seats', [
      userLicense.free,
      userLicense.total,
      permissionSetLicense.free,
      permissionSetLicense.total,
    ])
  );
  if (!result.users.length) out.log(messages.getMessage('output.noUsers'));
  table(out, messages, listUserRows(result), [...LIST_USER_COLUMNS]);
  if (result.retired.length) {
    const holdingPsl = result.retired.filter((r) => r.seatsTaken.permissionSetLicense).length;
    out.log(messages.getMessage('output.retired', [result.retired.length, holdingPsl]));
    table(
      out,
      messages,
      result.retired.map((r) => ({
        username: r.username,
        name: r.name,
        psl: yesNo(messages, r.seatsTaken.permissionSetLicense === 1),
        lastLogin: localTime(messages, r.lastLogin),
      })),
      ['username', 'name', 'psl', 'lastLogin'],
      ['psl']
    );
  }
  if (!result.candidates) return;
  if (!result.candidates.length) {
    out.log(messages.getMessage('output.noCandidates'));
    return;
  }
  out.log(messages.getMessage('output.candidates'));
  table(out, messages, listCandidateRows(result), [...LIST_CANDIDATE_COLUMNS]);
  const users = plural(messages, 'count.users', result.candidates.length);
  out.log(messages.getMessage('output.saving', [users, result.totalYearlySaving ?? 0]));
}

const CHECK_MARK = { pass: '✓', warn: '!', fail: '✗', skip: '-' } as const;

/** verify: the checklist, each check with its fix, then the effective object access. */
export function printChecklist(out: Printer, result: VerifyResult): void {
  const messages = bundle('verify');
  out.log(messages.getMessage('output.header', [result.username]));
  const name = (check: Check): string => messages.getMessage(`name.${check.name}`);
  const width = Math.max(...result.checks.map((check) => name(check).length));
  for (const check of result.checks) {
    out.log(`  ${CHECK_MARK[check.status]} ${name(check).padEnd(width)} ${check.message}`);
    if (check.action) out.log(`    ${''.padEnd(width)} ${messages.getMessage('output.fix', [check.action])}`);
  }
  if (!result.access.length) return;
  const mark = (on: boolean): string => (on ? '✓' : '');
  // Only the access some object has, as the access check names it; read stays, the one every integration needs.
  table(
    out,
    messages,
    result.access.map((row) => ({
      object: row.object,
      read: mark(row.read),
      create: mark(row.create),
      edit: mark(row.edit),
      delete: mark(row.delete),
      viewall: mark(row.viewall),
      modifyall: mark(row.modifyall),
    })),
    ['object', 'read', 'create', 'edit', 'delete', 'viewall', 'modifyall'],
    ['object', 'read']
  );
}

const STEP_MARK: Record<string, string> = {
  done: '✓',
  applied: '✓',
  todo: '→',
  blocked: '✗',
  failed: '✗',
  'not-run': '-',
};

/** setup: each user's steps, as planned (dry run) or as they ended. */
export function printSetup(out: Printer, result: SetupResult): void {
  const messages = bundle('setup');
  const status = (value: string): string => messages.getMessage(`status.${value}`);
  // The widest status word and a space: the step messages start in one column.
  const width = Math.max(...Object.keys(STEP_MARK).map((value) => status(value).length)) + 1;
  for (const user of result.users) {
    out.log(
      messages.getMessage('output.plan', [
        user.username,
        messages.getMessage(result.dryRun ? 'output.planned' : 'output.result'),
      ])
    );
    for (const step of user.steps)
      out.log(
        `  ${STEP_MARK[step.status] ?? ' '} ${step.name.padEnd(13)} ${status(step.status).padEnd(width)} ${step.error?.message ?? step.message}`
      );
  }
}

/** setup --check: one line when the org matches the spec, else a table of the differences and their fixes. */
export function printSetupCheck(out: Printer, result: SetupResult): void {
  const messages = bundle('setup');
  if (!result.check) return;
  if (result.check.inSync) {
    out.log(messages.getMessage('check.inSync', [result.spec]));
    return;
  }
  const rows = result.check.differences.map((d) => ({
    user: d.user,
    at: d.at,
    step: d.step,
    difference: d.difference,
    fix: d.fix ?? '',
  }));
  table(out, messages, rows, ['user', 'at', 'step', 'difference', 'fix']);
}
