// The request log: one JSON line per HTTP request, so tests and benchmarks can count round trips
// and prove a re-run or dry run wrote nothing. Never holds tokens, headers or bodies.

import { appendFileSync } from 'node:fs';

export interface SubrequestLogEntry {
  method: string;
  url: string;
  status: number;
  errorCode?: string;
  /** a recordError fault failed one of its records */
  fault?: boolean;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** normalized: repeated slashes folded, no query string */
  path: string;
  /** raw query string, if any */
  query?: string;
  /** the decoded SOQL of a query; for composite, the subrequests' SOQL */
  soql?: string | string[];
  /** Metadata API operation (readMetadata, updateMetadata, retrieve, checkDeployStatus, ...) */
  soapOperation?: string;
  status: number;
  /** first error code when the request failed */
  errorCode?: string;
  /** records created + changed + deleted; for Metadata API calls, components created or changed; 0 for reads, failures, rolled-back calls and logins */
  writes: number;
  /** composite: each subrequest */
  subrequests?: SubrequestLogEntry[];
  /** the session's username */
  user?: string;
  /** true when an injected fault answered (or reset) the request, or failed one of its records (recordError) */
  fault?: boolean;
  ms: number;
}

export class RequestLog {
  public readonly entries: RequestLogEntry[] = [];

  public constructor(private readonly file?: string) {}

  public add(entry: RequestLogEntry): void {
    // Drop undefined keys so each JSON line carries only what applies.
    const clean = Object.fromEntries(
      Object.entries(entry).filter(([, v]) => v !== undefined)
    ) as unknown as RequestLogEntry;
    this.entries.push(clean);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(clean)}\n`);
  }

  public clear(): void {
    this.entries.length = 0;
  }
}
