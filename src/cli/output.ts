import { Messages } from '@salesforce/core';
import type { SfCommand } from '@salesforce/sf-plugins-core';
import type { CreateUserResult } from '../service/create.js';
import type { GrantResult } from '../service/grant-result.js';
import type { ListResult } from '../service/list.js';
import type { SetupResult } from '../service/setup-result.js';
import type { VerifyResult } from '../service/verify-result.js';

/**
 * The human output of the commands (never with --json: sf's log and table print nothing then): tables and
 * checklists, every word from the command's messages bundle.
 */

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const bundle = (name: string): Messages<string> =>
  Messages.loadMessages('plugin-integration-user', `integration-user.${name}`);

/** What a command prints with. */
export type Printer = Pick<SfCommand<unknown>, 'log' | 'table'>;

/** A table whose columns are named in the command's bundle (`column.<key>`). */
function table<R extends Record<string, unknown>>(
  out: Printer,
  messages: Messages<string>,
  data: R[],
  keys: Array<keyof R & string>
): void {
  out.table({ data, columns: keys.map((key) => ({ key, name: messages.getMessage(`column.${key}`) })) });
}

const yesNo = (messages: Messages<string>, value: boolean): string =>
  messages.getMessage(value ? 'value.yes' : 'value.no');

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
      type: item.type,
      license: item.license,
      status: item.status,
      note: item.reason ?? '',
    })),
    ['name', 'type', 'license', 'status', 'note']
  );
  const generated = result.generatedPermissionSet;
  if (!generated) return;
  out.log(messages.getMessage('output.generated', [generated.name, generated.status]));
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
  table(
    out,
    messages,
    result.users.map((u) => ({
      username: u.username,
      active: yesNo(messages, u.active),
      psl: yesNo(messages, u.psl),
      sets: [...u.permissionSets, ...u.permissionSetGroups.map((g) => messages.getMessage('value.group', [g]))].join(
        ', '
      ),
      apps: u.apps.join(', '),
      lastLogin: u.lastLogin ?? '',
    })),
    ['username', 'active', 'psl', 'sets', 'apps', 'lastLogin']
  );
  if (!result.candidates) return;
  table(
    out,
    messages,
    result.candidates.map((c) => ({
      username: c.username,
      license: c.license,
      why: c.reasons.join('; '),
      saving: c.yearlySaving,
      command: c.command,
    })),
    ['username', 'license', 'why', 'saving', 'command']
  );
  out.log(messages.getMessage('output.saving', [result.candidates.length, result.totalYearlySaving ?? 0]));
}

const CHECK_MARK = { pass: '✓', warn: '!', fail: '✗', skip: '-' } as const;

/** verify: the checklist, each check with its fix, then the effective object access. */
export function printChecklist(out: Printer, result: VerifyResult): void {
  const messages = bundle('verify');
  out.log(messages.getMessage('output.header', [result.username]));
  for (const check of result.checks) {
    out.log(`  ${CHECK_MARK[check.status]} ${check.name.padEnd(22)} ${check.message}`);
    if (check.action) out.log(`    ${''.padEnd(22)} ${messages.getMessage('output.fix', [check.action])}`);
  }
  if (!result.access.length) return;
  const mark = (on: boolean): string => (on ? '✓' : '');
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
    ['object', 'read', 'create', 'edit', 'delete', 'viewall', 'modifyall']
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
  for (const user of result.users) {
    out.log(
      messages.getMessage('output.plan', [
        user.username,
        messages.getMessage(result.dryRun ? 'output.planned' : 'output.result'),
      ])
    );
    for (const step of user.steps)
      out.log(
        `  ${STEP_MARK[step.status] ?? ' '} ${step.name.padEnd(13)} ${step.status.padEnd(8)} ${step.error?.message ?? step.message}`
      );
  }
}
