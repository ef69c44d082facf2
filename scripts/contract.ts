/**
 * The plugin's public contract, as the official plugins keep it: a snapshot of every command's
 * flags and a JSON schema of every command's --json result. `npm run contract:update` rewrites
 * both files from the code; the tests fail while the committed files differ from the code, so a
 * flag or result field can't change by accident.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const snapshotFile = path.join(root, 'command-snapshot.json');
export const schemaDir = path.join(root, 'schemas');

type ManifestFlag = { name: string; char?: string; required?: boolean; multiple?: boolean; type: string };
type Manifest = { commands: Record<string, { id: string; aliases: string[]; flags: Record<string, ManifestFlag> }> };

export type CommandSnapshot = {
  command: string;
  alias: string[];
  flags: string[];
  flagChars: string[];
  requiredFlags: string[];
  multipleFlags: string[];
};

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
}

/** Flags, their short chars, and which are required or repeatable, per command, from the manifest. */
export function currentSnapshot(): CommandSnapshot[] {
  return Object.values(readManifest().commands)
    .map((command) => {
      const flags = Object.values(command.flags);
      return {
        command: command.id,
        alias: [...command.aliases].sort(),
        flags: flags.map((f) => f.name).sort(),
        flagChars: flags.flatMap((f) => (f.char ? [f.char] : [])).sort(),
        requiredFlags: flags
          .filter((f) => f.required)
          .map((f) => f.name)
          .sort(),
        multipleFlags: flags
          .filter((f) => f.multiple)
          .map((f) => f.name)
          .sort(),
      };
    })
    .sort((a, b) => a.command.localeCompare(b.command));
}

/** `integration-user:assign-psl` -> file, exported result type and schema file name. */
export function resultTypeOf(commandId: string): { source: string; type: string; schemaFile: string } {
  const [topic, name] = commandId.split(':');
  const pascal = (s: string): string =>
    s
      .split('-')
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('');
  return {
    source: path.join(root, 'src', 'commands', topic, `${name}.ts`),
    type: `${pascal(topic)}${pascal(name)}Result`,
    schemaFile: path.join(schemaDir, `${topic}-${name}.json`),
  };
}

/** Input formats published beside the results: the setup spec file. */
const INPUT_SCHEMAS = [
  {
    name: 'setup-spec',
    source: path.join(root, 'src', 'service', 'spec.ts'),
    type: 'SetupSpec',
    schemaFile: path.join(schemaDir, 'setup-spec.json'),
  },
];

const schemaOf = (source: string, type: string): unknown =>
  createGenerator({ path: source, tsconfig: path.join(root, 'tsconfig.json'), type, skipTypeCheck: true }).createSchema(
    type
  );

/** The JSON schema of each command's result type and of each input format, generated from the TypeScript source, by file. */
export function currentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const { command } of currentSnapshot()) {
    const { source, type, schemaFile } = resultTypeOf(command);
    schemas[schemaFile] = schemaOf(source, type);
  }
  for (const input of INPUT_SCHEMAS) schemas[input.schemaFile] = schemaOf(input.source, input.type);
  return schemas;
}

export const asText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

if (process.argv.includes('--update')) {
  writeFileSync(snapshotFile, asText(currentSnapshot()));
  mkdirSync(schemaDir, { recursive: true });
  for (const [file, schema] of Object.entries(currentSchemas())) writeFileSync(file, asText(schema));
  process.stdout.write(`Updated ${path.relative(root, snapshotFile)} and ${path.relative(root, schemaDir)}/\n`);
}
