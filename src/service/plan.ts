import { SfError } from '@salesforce/core';
import { RECORDS_PER_COLLECTION, type OrgClient, type SaveResult, type Subrequest } from './org-client.js';

/**
 * The one step model every command plans with. Inspection reads the org; each planner turns what it read into
 * steps, each `done` (the org has it), `todo` (its writes make it so) or `blocked` (it can't be made: `error`
 * says why and `fix` what fixes it). A blocked step anywhere stops the run before the first write; a dry run
 * stops after planning; then the writes go out, and the outcomes give the exit code (exitCodeOf).
 * Model: salesforcecli/plugin-user src/baseCommands/user/permsetlicense/assign.ts (one result type, aggregate,
 * resultsToExitCode).
 */

/** The steps of the procedure, as the commands are named. */
export type StepName = 'create' | 'assign-psl' | 'grant' | 'preauthorize' | 'verify' | 'convert';
export type StepStatus = 'done' | 'todo' | 'blocked';

/** A flag value printed as written: a placeholder (`<name>`) or a value whose quoting is part of the advice. */
export type Verbatim = { verbatim: string };
export type FlagValue = string | string[] | true | Verbatim;
export const verbatim = (text: string): Verbatim => ({ verbatim: text });

/**
 * What fixes something. The command layer renders a command fix as `<bin> <command> --flag value ...
 * --target-org <org as the user typed it>` (values quoted as one shell word each, src/cli/fixes.ts).
 */
export type CommandFix = { kind: 'command'; command: string; flags: Record<string, FlagValue> };
export type Fix =
  | CommandFix
  /** A change to a setup spec: where (users[1].objects[0]) and what to write there. */
  | { kind: 'spec'; path: string; change: string }
  /** Words from a messages bundle, when no command fixes it (a Setup path, an admin's decision). */
  | { kind: 'text'; message: string };

/** A token of words that name fixes: a fix is rendered by the command layer (a list of them one a line), anything else as it is. */
export type Token = string | number | Fix | readonly Fix[];
/** Words from a messages bundle whose tokens may be fixes: rendered by the command layer (src/cli/fixes.ts). */
export type Advice = { bundle: string; key: string; tokens: Token[] };
export const advice = (bundle: string, key: string, ...tokens: Token[]): Advice => ({ bundle, key, tokens });

export const command = (name: string, flags: Record<string, FlagValue | undefined> = {}): CommandFix => ({
  kind: 'command',
  command: name,
  flags: Object.fromEntries(Object.entries(flags).filter((entry): entry is [string, FlagValue] => !!entry[1])),
});

/** One data write: a composite subrequest (`url` relative to /services/data/vXX.X), which may name an earlier one's `@{ref.id}`. */
export type DataWrite = { kind: 'data' } & Subrequest;
/**
 * Records of one type written through sObject collections, 200 a call. In a command's own run each record of a
 * POST stands alone (writeEach: one refused keeps the others); joined into setup's one call per user, the
 * records go all or nothing with the rest.
 */
export type RecordsWrite = {
  kind: 'records';
  referenceId: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  /** The records' type (for DELETE only a name for the reader: the Ids say what goes). */
  sobject: string;
  /** For DELETE: `{ Id }` each. */
  records: Array<Record<string, unknown>>;
};
/** A Metadata API change (or a write whose answer decides the next one), made by the planner's own code. */
export type MetadataWrite = { kind: 'metadata'; referenceId: string; apply: () => Promise<void> };
export type Write = DataWrite | RecordsWrite | MetadataWrite;

/** Seats of the Salesforce Integration user license and the Salesforce API Integration PSL a step's writes take. */
export type Consumes = { userSeats?: number; pslSeats?: number };

export type Step<R> = {
  step: StepName;
  status: StepStatus;
  /** What the step found or will do, from the step's messages bundle. */
  message: string;
  /** What applying the step sends; [] when it is done or blocked. */
  writes: Write[];
  consumes?: Consumes;
  fix?: Fix[];
  /** When blocked: the error to throw or report (its fixes inside, rendered by the command layer). */
  error?: SfError;
  /** The step's part of the command's --json result, kept up to date as the step is applied. */
  result: R;
  /** After the writes went through: what this run did, into `result` (a new record's Id from the answers by referenceId). */
  written?: (answers: Record<string, unknown>) => void;
  /** What a refused write means: an error that names the fix, or undefined when the goal is met after all (another run made it). */
  explain?: (error: unknown) => Promise<Error | undefined>;
};

/** The error a blocked step stops the run with. */
export function blockedError(step: Step<unknown>): SfError {
  return step.error ?? new SfError(step.message, 'StepBlockedError');
}

/** How a step, an item or a check ended. */
export type Outcome = 'done' | 'applied' | 'failed' | 'blocked' | 'not-run';
/** 0: all done; 68: partly done (some applied, some failed); 1: failed; 2: `setup --check` found the org differs. */
export type ExitCode = 0 | 1 | 2 | 68;

/** The exit code of a run from its outcomes: any failure with something applied is partly done, without it a failure. */
export function exitCodeOf(outcomes: readonly Outcome[]): 0 | 1 | 68 {
  if (!outcomes.some((o) => o === 'failed' || o === 'blocked')) return 0;
  return outcomes.includes('applied') ? 68 : 1;
}

/** Salesforce's own error for a record it refused. */
export type RecordError = { errorCode: string; message: string; fields: string[] };
/** One record's outcome: written, already there (DUPLICATE_VALUE: another run or an earlier one made it), or failed. */
export type RecordOutcome = { outcome: 'written' | 'already'; id?: string } | { outcome: 'failed'; error: RecordError };

/** The per-record rule every command shares: a duplicate of what it means to write is the goal met, not a failure. */
export function recordOutcome(save: SaveResult): RecordOutcome {
  if (save.success) return { outcome: 'written', id: save.id };
  const [first] = save.errors;
  if (first?.statusCode === 'DUPLICATE_VALUE') return { outcome: 'already' };
  return {
    outcome: 'failed',
    error: {
      errorCode: first?.statusCode ?? 'UNKNOWN_ERROR',
      message: first?.message ?? 'unknown error',
      fields: first?.fields ?? [],
    },
  };
}

/**
 * Writes as composite subrequests for one all-or-none call: data writes as they are, records as sObject
 * collection subrequests of up to 200 records (`<ref>0`, `<ref>200`, ...). Metadata writes aren't data: left out.
 */
export function subrequestsOf(writes: readonly Write[]): Subrequest[] {
  const subrequests: Subrequest[] = [];
  for (const write of writes) {
    if (write.kind === 'data') {
      subrequests.push({ referenceId: write.referenceId, method: write.method, url: write.url, body: write.body });
    } else if (write.kind === 'records') {
      for (let start = 0; start < write.records.length; start += RECORDS_PER_COLLECTION) {
        const chunk = write.records.slice(start, start + RECORDS_PER_COLLECTION);
        const referenceId = `${write.referenceId}${start}`;
        if (write.method === 'DELETE')
          subrequests.push({
            referenceId,
            method: 'DELETE',
            url: `/composite/sobjects?allOrNone=true&ids=${chunk.map((r) => String(r.Id)).join(',')}`,
          });
        else
          subrequests.push({
            referenceId,
            method: write.method,
            url: '/composite/sobjects',
            body: { allOrNone: true, records: chunk.map((r) => ({ attributes: { type: write.sobject }, ...r })) },
          });
      }
    }
  }
  return subrequests;
}

/**
 * Inserts records each on its own, 200 a call (sObject collections with allOrNone false), and gives each
 * record's outcome by the per-record rule. `idOf` puts an Id learned since planning in place of a reference.
 */
export async function writeEach(
  client: OrgClient,
  write: RecordsWrite,
  idOf: (value: unknown) => unknown = (value) => value
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  for (let start = 0; start < write.records.length; start += RECORDS_PER_COLLECTION) {
    const chunk = write.records
      .slice(start, start + RECORDS_PER_COLLECTION)
      .map((record) => Object.fromEntries(Object.entries(record).map(([field, value]) => [field, idOf(value)])));
    outcomes.push(...(await client.insertMany(write.sobject, chunk)).map(recordOutcome));
  }
  return outcomes;
}

/**
 * Applies a command's one step: blocked stops it, a dry run or a done step writes nothing; else its data writes
 * go out (one alone as its own REST call, several as one composite call, all or nothing), then its metadata
 * writes in order. A refused write is explained by the step: an error that names the fix is thrown, a goal met
 * after all (another run made it) is no failure.
 */
export async function applyStep<R>(client: OrgClient, step: Step<R>, options: { dryRun: boolean }): Promise<R> {
  if (step.status === 'blocked') throw blockedError(step);
  if (options.dryRun || step.status === 'done') return step.result;
  let answers: Record<string, unknown> = {};
  try {
    const subrequests = subrequestsOf(step.writes);
    if (subrequests.length === 1) answers = { [subrequests[0].referenceId]: await client.sendOne(subrequests[0]) };
    else if (subrequests.length) answers = await client.compositeAll(subrequests);
    for (const write of step.writes) if (write.kind === 'metadata') await write.apply();
  } catch (error) {
    const explained = step.explain ? await step.explain(error) : (error as Error);
    if (explained) throw explained;
    return step.result;
  }
  step.written?.(answers);
  return step.result;
}
