import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { projectRoot } from './paths.js';

/**
 * The published --json contract, held by every test that runs a command: a result is checked
 * against its schema in schemas/ (generated from the exported result types), so a field renamed or
 * a type changed fails the test that produced it, not only the type check.
 */
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(command: string): ValidateFunction {
  let validate = validators.get(command);
  if (!validate) {
    const schema = JSON.parse(
      readFileSync(path.join(projectRoot, 'schemas', `integration-user-${command}.json`), 'utf8')
    ) as object;
    validate = ajv.compile(schema);
    validators.set(command, validate);
  }
  return validate;
}

/** Throws with every mismatch when `result` doesn't hold to the schema of `integration-user <command>`. */
export function assertResultSchema(command: string, result: unknown): void {
  const validate = validatorFor(command);
  if (validate(result)) return;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(result)'} ${e.message ?? ''}`).join('; ');
  throw new Error(
    `the --json result of integration-user ${command} breaks schemas/integration-user-${command}.json: ${problems}`
  );
}

/** sf's error envelope: what every failing --json run prints. */
export function assertErrorEnvelope(json: Record<string, unknown>): void {
  const problems: string[] = [];
  if (typeof json.name !== 'string') problems.push('name is not a string');
  if (typeof json.message !== 'string') problems.push('message is not a string');
  if (typeof json.status !== 'number' || json.status === 0) problems.push('status is not a non-zero number');
  if (json.actions !== undefined && !(Array.isArray(json.actions) && json.actions.every((a) => typeof a === 'string')))
    problems.push('actions is not a list of strings');
  if (problems.length) throw new Error(`the --json error breaks sf's error envelope: ${problems.join('; ')}`);
}

/**
 * Every --json output of one of our commands holds to the published contract: a result to its
 * command's schema, an error to sf's error envelope. `args` as given to sf or bin/run.js.
 */
export function checkContract(
  args: string[],
  json: { status?: unknown; result?: unknown } & Record<string, unknown>
): void {
  const command = args[0] === 'integration-user' ? args[1] : undefined;
  if (!command || args.includes('--help')) return;
  // A result comes with exit 0, 68 (partly done), 1 (verify: checks failed) or 2 (setup --check: the org differs); anything else is an error.
  if (json.result !== undefined) assertResultSchema(command, json.result);
  else assertErrorEnvelope(json);
}
