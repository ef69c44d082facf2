// XML for the Metadata API: parsing SOAP requests and component files (fast-xml-parser) into plain trees,
// and writing trees back the way Salesforce does (elements in alphabetical order, booleans as text,
// xsi:nil for nulls).

import { XMLParser } from 'fast-xml-parser';

/** A parsed element: text, null (xsi:nil), a list (repeated element) or an element with children. */
export type TreeValue = string | null | Tree | TreeValue[];
export type Tree = { [name: string]: TreeValue };

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

/** Elements that are lists even when they appear once. */
const LIST_ELEMENTS = new Set([
  'fullNames',
  'metadata',
  'queries',
  'types',
  'members',
  'scopes',
  'profileName',
  'permissionSetName',
  'runTests',
  'specificFiles',
  'packageNames',
  'asyncProcessId',
  'attributes',
  'ipRanges',
  'customAttributes',
  'trustedIpRanges',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => LIST_ELEMENTS.has(name),
});

export class XmlError extends Error {}

/** Parses XML into a tree; attributes are dropped except xsi:type (kept as '@type') and xsi:nil (the value becomes null). */
export function parseXml(xml: string): Tree {
  let raw: unknown;
  try {
    raw = parser.parse(xml, true);
  } catch (e) {
    throw new XmlError((e as Error).message);
  }
  const tree = clean(raw);
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) throw new XmlError('no root element');
  delete tree['?xml'];
  return tree;
}

function clean(node: unknown): TreeValue {
  if (Array.isArray(node)) return node.map(clean);
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint') return String(node);
  if (typeof node !== 'object') return '';
  const o = node as Record<string, unknown>;
  if (o['@_nil'] === 'true') return null;
  const out: Tree = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '@_type') out['@type'] = String(v);
    else if (k === '#text') out['#text'] = String(v);
    else if (!k.startsWith('@_')) out[k] = clean(v);
  }
  const keys = Object.keys(out);
  if (keys.length === 1 && keys[0] === '#text') return out['#text'];
  if (keys.length === 0) return '';
  return out;
}

export function isTree(v: TreeValue | undefined): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A child as text ('' when absent, nil or not text). */
export function textOf(v: TreeValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** A child as a list (one element or none become a list). */
export function listOf(v: TreeValue | undefined): TreeValue[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

export function textList(v: TreeValue | undefined): string[] {
  return listOf(v)
    .map((x) => textOf(x).trim())
    .filter(Boolean);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Children in Salesforce's order: alphabetical (the XSD sequences are), except that a metadata record
 * (one with an xsi:type) starts with the fullName it inherits from Metadata.
 */
function orderedKeys(tree: Tree): string[] {
  const first = typeof tree['@type'] === 'string' ? 'fullName' : undefined;
  return Object.keys(tree)
    .filter((k) => !k.startsWith('@') && k !== '#text')
    .sort((a, b) => (a === first ? -1 : b === first ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** One element (repeated for a list); `indent` null writes it compactly, as SOAP answers are. */
export function element(name: string, value: TreeValue | undefined, indent: string | null = null, depth = 0): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v, indent, depth)).join('');
  const pad = indent === null ? '' : indent.repeat(depth);
  const nl = indent === null ? '' : '\n';
  if (value === null) return `${pad}<${name} xsi:nil="true"/>${nl}`;
  if (typeof value === 'string') return `${pad}<${name}>${escapeXml(value)}</${name}>${nl}`;
  const type = typeof value['@type'] === 'string' ? ` xsi:type="${escapeXml(value['@type'])}"` : '';
  const keys = orderedKeys(value);
  if (keys.length === 0) return `${pad}<${name}${type}/>${nl}`;
  const inner = keys.map((k) => element(k, value[k], indent, depth + 1)).join('');
  return `${pad}<${name}${type}>${nl}${inner}${pad}</${name}>${nl}`;
}

/** A component file as retrieve writes it: XML declaration, the type as root in the metadata namespace, 4-space indent. */
export function componentFile(type: string, tree: Tree): string {
  const body = orderedKeys(tree)
    .filter((k) => k !== 'fullName')
    .map((k) => element(k, tree[k], '    ', 1))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="${METADATA_NS}">\n${body}</${type}>\n`;
}

/** The root element of a component file: its type and children; undefined when the XML doesn't parse. */
export function parseComponentFile(xml: string): { type: string; tree: Tree } | undefined {
  let doc: Tree;
  try {
    doc = parseXml(xml);
  } catch {
    return undefined;
  }
  const [type] = Object.keys(doc);
  if (!type) return undefined;
  const root = doc[type];
  return { type, tree: isTree(root) ? root : {} };
}

/** A deep copy that drops keys starting with '@' (xsi:type markers). */
export function plain(tree: Tree): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(tree)) {
    if (k.startsWith('@')) continue;
    out[k] = copy(v);
  }
  return out;
}

function copy(v: TreeValue): TreeValue {
  if (Array.isArray(v)) return v.map(copy);
  if (isTree(v)) return plain(v);
  return v;
}
