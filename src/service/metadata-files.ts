import type { OrgClient } from './org-client.js';

// Metadata API files: the zip a deploy sends (package.xml and the components), one element of a component's XML set
// in place, and the files of a retrieve read back.

export type ZipEntry = { folder: string; suffix: string; xml: string };

/** A deployable zip: package.xml at the root listing the components, and each component's file. */
export async function zipOf(components: Record<string, Record<string, ZipEntry>>, apiVersion: string): Promise<Buffer> {
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  const types = Object.entries(components)
    .map(
      ([type, members]) =>
        `    <types>\n${Object.keys(members)
          .map((m) => `        <members>${escapeXml(m)}</members>\n`)
          .join('')}        <name>${type}</name>\n    </types>\n`
    )
    .join('');
  zip.file(
    'package.xml',
    `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n${types}    <version>${apiVersion}</version>\n</Package>\n`
  );
  for (const members of Object.values(components)) {
    for (const [member, entry] of Object.entries(members))
      zip.file(`${entry.folder}/${member}.${entry.suffix}`, entry.xml);
  }
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** Sets one element of a flat metadata XML document, in place or (when absent) in alphabetical position. */
export function setElement(xml: string, name: string, value: string): string {
  const element = `<${name}>${escapeXml(value)}</${name}>`;
  const existing = new RegExp(`<${name}>[\\s\\S]*?</${name}>|<${name}\\s*/>`);
  if (existing.test(xml)) return xml.replace(existing, element);
  const root = /<(\w+)\s+xmlns="[^"]*">\s*\n?/.exec(xml);
  const children = [...xml.matchAll(/^(\s*)<(\w+)>/gm)].filter((m) => m[2] !== root?.[1]);
  const next = children.find((m) => m[2].localeCompare(name) > 0);
  const indent = children[0]?.[1] ?? '    ';
  if (next?.index !== undefined)
    return `${xml.slice(0, next.index)}${indent}${element}\n${xml.slice(next.index).replace(/^\n/, '')}`;
  return xml.replace(new RegExp(`(\\s*)</${root?.[1] ?? 'x'}>`), `\n${indent}${element}$1</${root?.[1] ?? 'x'}>`);
}

type ZipFiles = Record<string, { async: (type: 'string') => Promise<string> }>;

/** One retrieve: its files, and a reader of one file's top-level elements. */
export async function retrieved(
  client: OrgClient,
  types: Array<{ name: string; members: string[] }>
): Promise<{ files: ZipFiles; parse: (path: string, type: string) => Promise<Record<string, unknown>> }> {
  const { default: JSZip } = await import('jszip');
  const { XMLParser } = await import('fast-xml-parser');
  const zip = await JSZip.loadAsync(await client.metadata.retrieve(types));
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  const files = zip.files as unknown as ZipFiles;
  const parse = async (path: string, type: string): Promise<Record<string, unknown>> =>
    (parser.parse(await files[path].async('string')) as Record<string, Record<string, unknown>>)[type] ?? {};
  return { files, parse };
}

export const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
