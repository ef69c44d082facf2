// The house rules a linter would hold, as a test: the official eslint-config-salesforce-typescript needs eslint 8,
// so its rules that matter here are checked on the source itself. Each rule is a function from one file's text to
// its offences (`file:line: what`); each is shown failing on a planted example before it is run on the tree.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { PROJECT_ROOT } from '../helpers/sf.js';

type SourceFile = { file: string; text: string };
type Rule = (source: SourceFile) => string[];

const CONNECT = 'src/service/connect.ts';
const MAX_LINES = 300;
const LONGER = 'Longer than 300 lines:';

const parse = ({ file, text }: SourceFile): ts.SourceFile =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** Every node of a file, depth first. */
function nodesOf(source: ts.SourceFile): ts.Node[] {
  const nodes: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    nodes.push(node);
    node.forEachChild(visit);
  };
  visit(source);
  return nodes;
}

const at = (source: ts.SourceFile, node: ts.Node, what: string): string =>
  `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`;

/** `this.a.b` as 'a.b' (`this.log` as 'log'); undefined for anything not called on `this`. */
function thisMember(expression: ts.Expression): string | undefined {
  const names: string[] = [];
  let node: ts.Expression = expression;
  while (ts.isPropertyAccessExpression(node)) {
    names.unshift(node.name.text);
    node = node.expression;
  }
  return node.kind === ts.SyntaxKind.ThisKeyword ? names.join('.') : undefined;
}

/**
 * (a) A connection always at the requested API version: connect.ts alone asks an Org for its connection
 * (`org.getConnection(apiVersion)`, the --api-version flag's value), and never without that argument; nothing in
 * src/ builds a jsforce Connection of its own.
 */
const connectionWithApiVersion: Rule = (file) => {
  const source = parse(file);
  return nodesOf(source).flatMap((node) => {
    if (ts.isNewExpression(node) && node.expression.getText(source) === 'Connection')
      return [at(source, node, 'a Connection built here, not through connect.ts at the requested API version')];
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return [];
    const called = node.expression.name.text;
    if (called === 'create' && node.expression.expression.getText(source) === 'Connection')
      return [at(source, node, 'a Connection created here, not through connect.ts at the requested API version')];
    if (called !== 'getConnection') return [];
    if (file.file !== CONNECT) return [at(source, node, `getConnection outside ${CONNECT}: use its connect()`)];
    return node.arguments.length ? [] : [at(source, node, 'getConnection() without the requested API version')];
  });
};

/** Whether an expression is (or may evaluate to) words written in the code: a literal with a letter in it. */
function isHardCodedText(node: ts.Expression): boolean {
  const words = (text: string): boolean => /[A-Za-z]/.test(text);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return words(node.text);
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].some(words);
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return isHardCodedText(node.expression);
  if (ts.isConditionalExpression(node)) return isHardCodedText(node.whenTrue) || isHardCodedText(node.whenFalse);
  if (ts.isBinaryExpression(node)) return isHardCodedText(node.left) || isHardCodedText(node.right);
  return false;
}

/** What a command says to its user: the text argument of these calls on `this`. */
const SAYS = new Set(['log', 'logSuccess', 'warn', 'info', 'error', 'styledHeader', 'spinner.start', 'spinner.stop']);
/** Calls on `this` whose options object carries user text. */
const SAYS_IN = new Map([
  ['table', 'title'],
  ['confirm', 'message'],
]);

/**
 * (b) No hard-coded user-facing text in a command: what it logs, warns, shows as a table title, a spinner, a prompt
 * or an error comes from its messages bundle (messages.getMessage(...)) or is a value, never a literal with words.
 */
const noHardCodedTextInCommands: Rule = (file) => {
  if (!file.file.startsWith('src/commands/')) return [];
  const source = parse(file);
  const offence = (node: ts.Node, where: string): string =>
    at(source, node, `hard-coded text in ${where}: put it in messages/*.md`);
  return nodesOf(source).flatMap((node): string[] => {
    if (ts.isCallExpression(node)) {
      const member = thisMember(node.expression);
      if (member && SAYS.has(member) && node.arguments[0] && isHardCodedText(node.arguments[0]))
        return [offence(node, `this.${member}`)];
      const option = member ? SAYS_IN.get(member) : undefined;
      const options = node.arguments[0];
      if (option && options && ts.isObjectLiteralExpression(options)) {
        const property = options.properties.find(
          (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === option
        );
        if (property && isHardCodedText(property.initializer)) return [offence(node, `this.${member} ${option}`)];
      }
    }
    if (ts.isNewExpression(node) && /^(SfError|Error)$/.test(node.expression.getText(source))) {
      const message = node.arguments?.[0];
      if (message && isHardCodedText(message)) return [offence(node, `new ${node.expression.getText(source)}`)];
    }
    if (ts.isThrowStatement(node) && isHardCodedText(node.expression)) return [offence(node, 'throw')];
    return [];
  });
};

/** (c) No file in src/ above 300 lines without a header comment that starts "Longer than 300 lines:" and says why. */
const longFilesSayWhy: Rule = ({ file, text }) => {
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines <= MAX_LINES) return [];
  const header = /^\s*(?:\/\/|\/\*+)[\s*]*(.*)/.exec(text)?.[1] ?? '';
  return header.startsWith(LONGER) ? [] : [`${file}:1: ${lines} lines without a header comment "${LONGER} <why>"`];
};

/** (d) Layering: the service layer doesn't reach up into the command layer (src/commands, src/cli). */
const servicesStayBelowCommands: Rule = (file) => {
  if (!file.file.startsWith('src/service/')) return [];
  const source = parse(file);
  return nodesOf(source).flatMap((node) => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier
        ? node.moduleSpecifier
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? node.arguments[0]
          : undefined;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return [];
    const target = path.posix.join(path.posix.dirname(file.file), specifier.text);
    return /^src\/(commands|cli)\//.test(target)
      ? [at(source, node, `the service layer imports ${target} from the command layer`)]
      : [];
  });
};

/** The modules a file loads when it is loaded: its static imports and re-exports that carry a value. */
function runtimeImports(file: SourceFile): Array<{ target: string; line: number }> {
  const source = parse(file);
  return source.statements.flatMap((node) => {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typesOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          !clause.name &&
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.every((e) => e.isTypeOnly));
      if (!typesOnly) specifier = node.moduleSpecifier;
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly) specifier = node.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return [];
    const target = path.posix.join(path.posix.dirname(file.file), specifier.text).replace(/\.js$/, '.ts');
    return [{ target, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 }];
  });
}

/**
 * (e) No import cycles among the modules of src/ (value imports; types are erased): in a cycle, whichever module
 * is loaded first sees the other's exports before they are set. verify.ts and verify-login.ts importing each
 * other made `import('verify.js')` fail with "Cannot access 'VERIFY' before initialization" through bin/run.js,
 * while in-process tests that loaded verify-login.ts first passed.
 */
function importCycles(files: SourceFile[]): string[] {
  const edges = new Map(files.map((f) => [f.file, runtimeImports(f)]));
  const cycles = new Set<string>();
  const walk = (file: string, trail: string[]): void => {
    for (const { target, line } of edges.get(file) ?? []) {
      const seen = trail.indexOf(target);
      if (seen >= 0) {
        const cycle = [...trail.slice(seen), target];
        // Each cycle once, named from its first module in sort order.
        const start = cycle.slice(0, -1).reduce((a, b) => (b < a ? b : a));
        const from = cycle.indexOf(start);
        const named = [...cycle.slice(from, -1), ...cycle.slice(0, from), start].join(' -> ');
        cycles.add(`${file}:${line}: import cycle ${named}`);
      } else if (trail.length < 40) walk(target, [...trail, target]);
    }
  };
  for (const f of files) walk(f.file, [f.file]);
  return [...cycles].sort();
}

/** Every .ts file under src/, by its path from the project root. */
function sourceFiles(dir = 'src'): SourceFile[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [{ file, text: readFileSync(path.join(PROJECT_ROOT, file), 'utf8') }] : [];
  });
}

const lines = (...text: string[]): string => `${text.join('\n')}\n`;

describe('house rules, checked on the source (eslint-config-salesforce-typescript needs eslint 8)', () => {
  const tree = sourceFiles();

  it('reads the whole of src/: the commands, the command layer and the services', () => {
    const files = tree.map((f) => f.file);
    expect(files).to.include.members([CONNECT, 'src/commands/integration-user/grant.ts', 'src/cli/base-command.ts']);
    expect(files.length).to.be.greaterThan(40);
  });

  describe('(a) a connection always at the requested API version', () => {
    it('finds a connection made outside connect.ts, one without the version, and one built by hand', () => {
      const planted = lines(
        "import { Connection } from '@salesforce/core';",
        'export const a = (org: Org) => org.getConnection();',
        "export const b = () => new Connection({ instanceUrl: 'x' });",
        'export const c = async () => Connection.create({ authInfo });'
      );
      expect(connectionWithApiVersion({ file: 'src/service/elsewhere.ts', text: planted })).to.deep.equal([
        `src/service/elsewhere.ts:2: getConnection outside ${CONNECT}: use its connect()`,
        'src/service/elsewhere.ts:3: a Connection built here, not through connect.ts at the requested API version',
        'src/service/elsewhere.ts:4: a Connection created here, not through connect.ts at the requested API version',
      ]);
      expect(connectionWithApiVersion({ file: CONNECT, text: 'const c = org.getConnection();\n' })).to.deep.equal([
        `${CONNECT}:1: getConnection() without the requested API version`,
      ]);
      expect(
        connectionWithApiVersion({ file: CONNECT, text: 'const c = org.getConnection(apiVersion);\n' })
      ).to.deep.equal([]);
    });

    it('holds on the tree: connect.ts asks for the connection at the API version it is given', () => {
      expect(tree.flatMap(connectionWithApiVersion)).to.deep.equal([]);
      const connect = tree.find((f) => f.file === CONNECT)?.text ?? '';
      expect(connect).to.match(/org\.getConnection\(apiVersion\)/);
    });
  });

  describe('(b) no hard-coded user-facing text in commands', () => {
    it('finds literals with words in what a command says, and lets messages and values through', () => {
      const planted = lines(
        'export default class X extends SfCommand<void> {',
        '  public async run(): Promise<void> {',
        "    this.log('Done.');",
        '    this.warn(`${n} assignments failed`);',
        "    this.table({ data: rows, title: 'Users' });",
        "    this.spinner.start(busy ? 'Reading the org' : messages.getMessage('spinner'));",
        "    if (bad) throw new SfError('Bad input', 'BadInput');",
        "    throw 'no';",
        "    this.log(messages.getMessage('output.done', [name]));",
        '    this.log(result.username);',
        "    this.log('');",
        "    this.table({ data: rows, title: messages.getMessage('table.title') });",
        "    if (x) throw serviceError('Blocked', [name]);",
        '  }',
        '}'
      );
      const file = 'src/commands/integration-user/x.ts';
      expect(noHardCodedTextInCommands({ file, text: planted })).to.deep.equal([
        `${file}:3: hard-coded text in this.log: put it in messages/*.md`,
        `${file}:4: hard-coded text in this.warn: put it in messages/*.md`,
        `${file}:5: hard-coded text in this.table title: put it in messages/*.md`,
        `${file}:6: hard-coded text in this.spinner.start: put it in messages/*.md`,
        `${file}:7: hard-coded text in new SfError: put it in messages/*.md`,
        `${file}:8: hard-coded text in throw: put it in messages/*.md`,
      ]);
      // The rule is about commands: a service's texts are its errors.md / bundle keys, checked by their own tests.
      expect(noHardCodedTextInCommands({ file: 'src/service/x.ts', text: planted })).to.deep.equal([]);
    });

    it('holds on the tree', () => {
      expect(tree.flatMap(noHardCodedTextInCommands)).to.deep.equal([]);
    });
  });

  describe('(c) no file above 300 lines without saying why', () => {
    const long = (header: string): string =>
      header + lines(...Array.from({ length: 301 }, (_, i) => `const a${i} = ${i};`));

    it('finds a long file without the header, and accepts one that says why', () => {
      expect(longFilesSayWhy({ file: 'src/service/long.ts', text: long('') })).to.deep.equal([
        `src/service/long.ts:1: 301 lines without a header comment "${LONGER} <why>"`,
      ]);
      expect(longFilesSayWhy({ file: 'src/service/long.ts', text: long('// A long file.\n') })).to.have.length(1);
      expect(longFilesSayWhy({ file: 'src/service/long.ts', text: long(`// ${LONGER} one class.\n`) })).to.deep.equal(
        []
      );
      expect(
        longFilesSayWhy({ file: 'src/service/long.ts', text: long(`/**\n * ${LONGER} one class.\n */\n`) })
      ).to.deep.equal([]);
      expect(longFilesSayWhy({ file: 'src/service/short.ts', text: lines('const a = 1;') })).to.deep.equal([]);
    });

    it('holds on the tree', () => {
      expect(tree.flatMap(longFilesSayWhy)).to.deep.equal([]);
    });
  });

  describe('(e) no import cycles among the modules of src/', () => {
    it('finds a cycle of value imports, and lets type-only imports through', () => {
      const planted = [
        { file: 'src/service/a.ts', text: lines("import { b } from './b.js';", "import type { C } from './c.js';") },
        { file: 'src/service/b.ts', text: lines("export { a } from './a.js';") },
        { file: 'src/service/c.ts', text: lines("import { type A } from './a.js';", "import { b } from './b.js';") },
      ];
      expect(importCycles(planted)).to.deep.equal([
        'src/service/a.ts:1: import cycle src/service/a.ts -> src/service/b.ts -> src/service/a.ts',
        'src/service/b.ts:1: import cycle src/service/a.ts -> src/service/b.ts -> src/service/a.ts',
      ]);
    });

    it('holds on the tree', () => {
      expect(importCycles(tree)).to.deep.equal([]);
    });
  });

  describe('(d) layering: services import nothing from the command layer', () => {
    it('finds imports, re-exports and dynamic imports of src/commands and src/cli from a service', () => {
      const planted = lines(
        "import { flagError } from '../cli/flag-errors.js';",
        "export type { X } from '../commands/integration-user/grant.js';",
        "const output = await import('../cli/output.js');",
        "import { OrgClient } from './org-client.js';",
        "import { Messages } from '@salesforce/core';"
      );
      expect(servicesStayBelowCommands({ file: 'src/service/x.ts', text: planted })).to.deep.equal([
        'src/service/x.ts:1: the service layer imports src/cli/flag-errors.js from the command layer',
        'src/service/x.ts:2: the service layer imports src/commands/integration-user/grant.js from the command layer',
        'src/service/x.ts:3: the service layer imports src/cli/output.js from the command layer',
      ]);
      expect(servicesStayBelowCommands({ file: 'src/cli/x.ts', text: planted })).to.deep.equal([]);
    });

    it('holds on the tree', () => {
      expect(tree.flatMap(servicesStayBelowCommands)).to.deep.equal([]);
    });
  });
});
