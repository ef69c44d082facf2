// HTTP surface: routing, auth, faults and the request log around the REST handlers. Composite
// subrequests go through the same dispatcher as top-level requests.

import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  noSuchColumnMessage,
  notFound,
  sessionInvalid,
  text,
  unsupportedTypeMessage,
} from './errors.js';
import {
  DmlContext,
  deleteRecord,
  findRecord,
  insertRecord,
  refuseMethod,
  resolveType,
  updateRecord,
} from '../data/dml.js';
import { describeGlobalEntry, describeObject } from '../data/describe.js';
import { FaultHit, FaultInjector, RecordError } from './faults.js';
import { isIdShaped, to18 } from '../data/ids.js';
import { RequestLog, SubrequestLogEntry } from './log.js';
import { FieldDef, ObjectDef, isHidden } from '../data/schema.js';
import { SoqlEngine } from '../data/soql.js';
import { OrgState, Rec, Session } from '../data/state.js';
import { mayAccess } from '../rules/access.js';
import { MetadataService, SoapReply, soapFault } from '../metadata/metadata.js';
import { TokenEndpoint } from '../oauth/oauth.js';
import { oauthCredentials } from '../metadata/oauth-credentials.js';
import { QueryPages, oversizedHead } from './pages.js';

export const LATEST_API_VERSION = 66;
const OLDEST_API_VERSION = 20;
const COLLECTION_LIMIT = 200;

function releaseLabel(v: number): string {
  const i = v - 51; // v51.0 = Spring '21
  const season = ['Spring', 'Summer', 'Winter'][((i % 3) + 3) % 3];
  const year = 21 + Math.floor(i / 3) + (season === 'Winter' ? 1 : 0);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function apiVersions(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = OLDEST_API_VERSION; v <= LATEST_API_VERSION; v++)
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  return out;
}

interface ApiRequest {
  method: string;
  /** path segments after /services/data/vNN.N */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  version: number;
  session: Session;
  /** filled by handlers so the log has it even when the request fails */
  trace: { soql?: string | string[]; subrequests?: SubrequestLogEntry[]; writes?: number; user?: string };
  /** inside an allOrNone composite, collections are all-or-none too */
  forceAllOrNone?: boolean;
  /** for recordError faults: the HTTP request's number, and this (sub)request's normalized path and raw query */
  seq: number;
  path: string;
  rawQuery?: string;
}

interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  errorCode?: string;
  /** a 200 answer that still failed (a collection with failed records) */
  partialFailure?: boolean;
  /** a recordError fault failed one of its records */
  fault?: boolean;
}

const HALTED_MESSAGE = 'The transaction was rolled back since another operation in the same transaction failed.';
/** Composite batch: the code is documented, the text is not (assumed). */
const BATCH_HALTED = {
  errorCode: 'BATCH_PROCESSING_HALTED',
  message: 'Batch processing halted: a previous subrequest failed and haltOnError is true.',
};
const BATCH_LIMIT = 25;
/** Resources a composite batch may call (REST API guide, Composite Batch); sObject Collections, composite and Tooling aren't among them. */
const BATCHABLE = new Set(['limits', 'sobjects', 'query', 'queryAll', 'search', 'connect', 'chatter', 'actions']);
const OLDEST_BATCH_VERSION = 34;
const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function errorResponse(e: ApiError): ApiResponse {
  return { status: e.status, body: e.toBody(), errorCode: e.errorCode };
}

export class EmulatorServer {
  public readonly log: RequestLog;
  public readonly faults = new FaultInjector();
  public instanceUrl = '';
  public port = 0;
  private readonly engine: SoqlEngine;
  private readonly metadata: MetadataService;
  private readonly tokens: TokenEndpoint;
  private readonly server: http.Server;
  private readonly pages: QueryPages;
  private seq = 0;

  public constructor(
    public readonly state: OrgState,
    requestLogFile?: string
  ) {
    this.engine = new SoqlEngine(state);
    this.metadata = new MetadataService(state);
    this.tokens = new TokenEndpoint(state);
    this.pages = new QueryPages(state);
    this.log = new RequestLog(requestLogFile);
    for (const f of state.seed.faults) this.faults.add(f);
    // Heads up to 1 MiB reach respond(), which answers oversized ones as Salesforce does (pages.ts).
    this.server = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  public listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        this.instanceUrl = `http://127.0.0.1:${this.port}`;
        resolve();
      });
    });
  }

  public close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  public queryEngine(): SoqlEngine {
    return this.engine;
  }

  // --- HTTP -------------------------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.respond(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        // An emulator bug must still answer like a server, and show up in the test output.
        process.stderr.write(`emulator: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json;charset=UTF-8' });
          res.end(
            JSON.stringify([{ message: `emulator error: ${(e as Error).message}`, errorCode: 'UNKNOWN_EXCEPTION' }])
          );
        }
      }
    });
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): void {
    const started = Date.now();
    const seq = ++this.seq;
    this.state.requestCount = seq;
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(`http://x${req.url ?? '/'}`);
    const path = url.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const rawQuery = url.search ? url.search.slice(1) : undefined;
    const session = this.sessionFor(req);
    const user = session ? this.state.username(session.userId) : undefined;

    // Salesforce's front end refuses an oversized head before anything runs.
    const oversized = oversizedHead(req.url ?? '/', req.rawHeaders);
    if (oversized) {
      this.log.add({
        seq,
        method,
        path,
        status: oversized.status,
        errorCode: oversized.reason.toUpperCase().replace(/ /g, '_'),
        writes: 0,
        user,
        ms: Date.now() - started,
      });
      res.writeHead(oversized.status, { 'content-type': 'text/html;charset=iso-8859-1', connection: 'close' });
      res.end(oversized.body);
      return;
    }

    const fault = this.faults.match(seq, method, path, rawQuery);
    if (fault) {
      this.log.add({
        seq,
        method,
        path,
        query: rawQuery,
        status: fault.reset ? 0 : fault.status,
        errorCode: fault.reset ? undefined : fault.errorCode,
        writes: 0,
        user,
        fault: true,
        ms: Date.now() - started,
      });
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      if (path.startsWith('/services/Soap/')) this.sendSoapFault(res, fault, seq);
      else
        this.send(res, { status: fault.status, body: [{ message: fault.message, errorCode: fault.errorCode }] }, seq);
      return;
    }
    // The request runs (and writes), then the answer is lost.
    const loseAnswer = this.faults.matchLostAnswer(seq, method, path, rawQuery);
    const answer = (send: () => void): void => (loseAnswer ? void req.socket.destroy() : send());

    // The Metadata API endpoint, with or without the org id that userinfo's urls.metadata appends.
    if (/^\/services\/Soap\/m\/\d+\.\d(\/00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?)?$/.test(path)) {
      this.respondSoap({ seq, method, path, rawQuery, started, loseAnswer }, rawBody, res, req);
      return;
    }

    const trace: ApiRequest['trace'] = {};
    this.state.resetJournal();
    const savepoint = this.state.savepoint();
    let response: ApiResponse;
    try {
      response = this.route({ method, path, rawQuery, seq }, url.searchParams, rawBody, req, trace);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      response = errorResponse(e);
    }
    const failed = response.status >= 400;
    if (failed) this.state.rollback(savepoint);
    const writes = failed ? 0 : (trace.writes ?? this.state.writesSince(savepoint));
    this.state.resetJournal();
    this.log.add({
      seq,
      method,
      path,
      query: rawQuery,
      soql: trace.soql,
      status: response.status,
      errorCode: failed ? response.errorCode : undefined,
      writes,
      subrequests: trace.subrequests,
      user: trace.user ?? user,
      fault: response.fault || loseAnswer || undefined,
      ms: Date.now() - started,
    });
    answer(() => this.send(res, response, seq));
  }

  /** The Metadata API (metadata.ts): SOAP in, SOAP out; the log gets the operation and the components written. */
  private respondSoap(
    call: { seq: number; method: string; path: string; rawQuery?: string; started: number; loseAnswer: boolean },
    rawBody: string,
    res: http.ServerResponse,
    req: http.IncomingMessage
  ): void {
    let userId: string | undefined;
    const finish = (reply: SoapReply): void => {
      this.log.add({
        seq: call.seq,
        method: call.method,
        path: call.path,
        query: call.rawQuery,
        soapOperation: reply.operation,
        status: reply.status,
        errorCode: reply.errorCode,
        writes: reply.writes,
        user: userId ? this.state.username(userId) : undefined,
        ...(call.loseAnswer ? { fault: true } : {}),
        ms: Date.now() - call.started,
      });
      if (call.loseAnswer) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, {
        'Sforce-Limit-Info': `api-usage=${call.seq}/15000`,
        'content-type': 'text/xml;charset=UTF-8',
      });
      res.end(reply.xml);
    };
    if (call.method !== 'POST') {
      finish(
        soapFault(
          'INVALID_OPERATION',
          'The Metadata API takes SOAP requests sent with HTTP POST.',
          undefined,
          'soapenv:Client'
        )
      );
      return;
    }
    this.state.resetJournal();
    this.metadata
      .handle(rawBody, (token) => {
        userId = this.sessionByToken(token)?.userId;
        return userId;
      })
      .then(finish, (e: unknown) => {
        process.stderr.write(`emulator: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
        finish(soapFault('UNKNOWN_EXCEPTION', `emulator error: ${(e as Error).message}`));
      })
      .finally(() => this.state.resetJournal());
  }

  /**
   * A fault on the Metadata API as Salesforce answers there: a gateway status (502, 503, 504) with a
   * plain page and no SOAP at all, else HTTP 500 with a SOAP fault `sf:<errorCode>`.
   */
  private sendSoapFault(res: http.ServerResponse, fault: FaultHit, seq: number): void {
    const headers = { 'Sforce-Limit-Info': `api-usage=${seq}/15000` };
    if ([502, 503, 504].includes(fault.status)) {
      res.writeHead(fault.status, { ...headers, 'content-type': 'text/html;charset=UTF-8' });
      res.end(`<html><body>${fault.message}</body></html>`);
      return;
    }
    const reply = soapFault(fault.errorCode, fault.message);
    res.writeHead(reply.status, { ...headers, 'content-type': 'text/xml;charset=UTF-8' });
    res.end(reply.xml);
  }

  private send(res: http.ServerResponse, r: ApiResponse, seq: number): void {
    const headers: Record<string, string> = { 'Sforce-Limit-Info': `api-usage=${seq}/15000`, ...(r.headers ?? {}) };
    if (r.body === undefined || r.status === 204) {
      res.writeHead(r.status, headers);
      res.end();
      return;
    }
    res.writeHead(r.status, { ...headers, 'content-type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify(r.body));
  }

  private sessionFor(req: http.IncomingMessage): Session | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim());
    return m ? this.sessionByToken(m[1]) : undefined;
  }

  /** A live session: known token, not expired, its user active. */
  private sessionByToken(token: string): Session | undefined {
    const s = this.state.sessions.get(token);
    if (!s || s.expired) return undefined;
    // Deactivating a user ends its sessions.
    if (this.state.get('User', s.userId)?.IsActive !== true) return undefined;
    return s;
  }

  private route(
    { method, path, rawQuery, seq }: { method: string; path: string; rawQuery?: string; seq: number },
    params: URLSearchParams,
    rawBody: string,
    req: http.IncomingMessage,
    trace: ApiRequest['trace']
  ): ApiResponse {
    if (path === '/services/data') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET', 'HEAD']);
      return { status: 200, body: apiVersions() };
    }
    if (path === '/services/oauth2/token') {
      // JWT bearer flow (oauth.ts). Logins are bookkeeping, not writes; the token never reaches the log.
      const reply = this.tokens.exchange(method, new URLSearchParams(rawBody), this.instanceUrl);
      trace.writes = 0;
      trace.user = reply.username;
      return {
        status: reply.status,
        body: reply.body,
        errorCode: reply.status >= 400 ? String(reply.body.error) : undefined,
      };
    }
    if (path === '/services/oauth2/userinfo') {
      const session = this.sessionFor(req);
      if (!session) throw sessionInvalid();
      // OpenID Connect's endpoint answers tokens with openid or an identity scope (id, profile) only: facts §14.8.
      // Status 403 as reported; the body is unsettled, so none is sent (behaviour.userinfoScope).
      const identity =
        session.scopes === undefined || session.scopes.some((s) => ['openid', 'id', 'profile'].includes(s));
      if (!identity && this.state.behaviour.userinfoScope === 'required')
        return { status: 403, errorCode: 'FORBIDDEN' };
      return { status: 200, body: this.userinfo(session) };
    }
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
    if (!m) throw notFound();
    const version = Number(`${m[1]}.${m[2]}`);
    if (version > LATEST_API_VERSION || version < OLDEST_API_VERSION) throw notFound();
    const session = this.sessionFor(req);
    if (!session) throw sessionInvalid();
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch (e) {
        throw badRequest('JSON_PARSER_ERROR', `Unexpected character in request body: ${(e as Error).message}`);
      }
    }
    const segments = (m[3] ?? '')
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    return this.dispatch({ method, segments, query: params, body, version, session, trace, seq, path, rawQuery });
  }

  /** Everything under /services/data/vNN.N; composite subrequests come here too. */
  private dispatch(req: ApiRequest): ApiResponse {
    try {
      const [head, ...rest] = req.segments;
      if (!head) return { status: 200, body: this.resources(req.version) };
      switch (head) {
        case 'query':
        case 'queryAll':
          return this.query(req, 'data', rest);
        case 'tooling':
          if (rest[0] === 'query' || rest[0] === 'queryAll') return this.query(req, 'tooling', rest.slice(1));
          throw notFound();
        case 'sobjects':
          return this.sobjects(req, rest);
        case 'composite':
          if (rest.length === 0) return this.composite(req);
          if (rest[0] === 'sobjects') return this.collections(req, rest.slice(1));
          if (rest[0] === 'batch' && rest.length === 1) return this.compositeBatch(req);
          throw notFound();
        case 'apps':
          if (rest[0] === 'oauth' && rest[1] === 'credentials') {
            req.trace.writes = 0;
            return oauthCredentials(this.state, req.method, req.version, rest.slice(2), req.query);
          }
          throw notFound();
        case 'limits':
          return { status: 200, body: { DailyApiRequests: { Max: 15000, Remaining: 15000 - this.seq } } };
        default:
          throw notFound();
      }
    } catch (e) {
      if (e instanceof ApiError) return errorResponse(e);
      throw e;
    }
  }

  private resources(version: number): Record<string, string> {
    const base = `/services/data/v${version.toFixed(1)}`;
    return {
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      tooling: `${base}/tooling`,
      composite: `${base}/composite`,
      limits: `${base}/limits`,
    };
  }

  private ctx(req: ApiRequest): DmlContext {
    return { state: this.state, userId: req.session.userId };
  }

  // --- userinfo ---------------------------------------------------------------------------------------

  private userinfo(session: Session): Record<string, unknown> {
    const user = this.state.get('User', session.userId) as Rec;
    const base = this.instanceUrl;
    const orgId = this.state.orgId;
    const name = [user.FirstName, user.LastName].filter(Boolean).join(' ');
    return {
      sub: `${base}/id/${orgId}/${user.Id}`,
      user_id: user.Id,
      organization_id: orgId,
      preferred_username: user.Username,
      nickname: user.CommunityNickname,
      name,
      email: user.Email,
      email_verified: true,
      given_name: user.FirstName ?? '',
      family_name: user.LastName,
      zoneinfo: user.TimeZoneSidKey,
      photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
      profile: `${base}/${user.Id}`,
      picture: `${base}/profilephoto/005/F`,
      address: {},
      is_salesforce_integration_user: this.state.isIntegrationUser(user),
      urls: {
        enterprise: `${base}/services/Soap/c/{version}/${orgId}`,
        metadata: `${base}/services/Soap/m/{version}/${orgId}`,
        partner: `${base}/services/Soap/u/{version}/${orgId}`,
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        search: `${base}/services/data/v{version}/search/`,
        query: `${base}/services/data/v{version}/query/`,
        recent: `${base}/services/data/v{version}/recent/`,
        tooling_soap: `${base}/services/Soap/T/{version}/${orgId}`,
        tooling_rest: `${base}/services/data/v{version}/tooling/`,
        profile: `${base}/${user.Id}`,
        feeds: `${base}/services/data/v{version}/chatter/feeds`,
        groups: `${base}/services/data/v{version}/chatter/groups`,
        users: `${base}/services/data/v{version}/chatter/users`,
        feed_items: `${base}/services/data/v{version}/chatter/feed-items`,
        feed_elements: `${base}/services/data/v{version}/chatter/feed-elements`,
        custom_domain: base,
      },
      active: user.IsActive === true,
      user_type: 'STANDARD',
      language: user.LanguageLocaleKey,
      locale: user.LocaleSidKey,
      utcOffset: 0,
      updated_at: String(user.LastModifiedDate).replace('.000+0000', 'Z'),
      is_app_installed: true,
    };
  }

  // --- query ------------------------------------------------------------------------------------------

  private query(req: ApiRequest, endpoint: 'data' | 'tooling', rest: string[]): ApiResponse {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
    const pageContext = { version: req.version, endpoint, userId: req.session.userId };
    // The rest of an answer: /query/<locator>-<offset> (pages.ts), also as a composite or batch subrequest.
    if (rest.length === 1) return { status: 200, body: this.pages.next(rest[0], pageContext) };
    if (rest.length > 1) throw notFound();
    const soql = req.query.get('q');
    if (!soql) throw badRequest('MALFORMED_QUERY', 'A query string has to be specified');
    req.trace.soql = soql;
    QueryPages.checkLength(soql);
    const opts = { apiVersion: req.version, endpoint, userId: req.session.userId };
    if (req.query.get('columns') === 'true') return { status: 200, body: this.engine.columns(soql, opts) };
    return { status: 200, body: this.pages.first(this.engine.runShaped(soql, opts), pageContext) };
  }

  // --- sobjects ---------------------------------------------------------------------------------------

  private versionString(req: ApiRequest): string {
    return `v${req.version.toFixed(1)}`;
  }

  private recordOut(def: ObjectDef, rec: Rec, version: string, fields?: FieldDef[]): Record<string, unknown> {
    const out: Record<string, unknown> = {
      attributes: { type: def.name, url: `/services/data/${version}/sobjects/${def.name}/${rec.Id}` },
    };
    const list =
      fields ?? def.fieldOrder.map((n) => def.fields.get(n.toLowerCase()) as FieldDef).filter((f) => !isHidden(f));
    for (const f of list) out[f.name] = this.state.value(def, rec, f);
    return out;
  }

  private fieldList(def: ObjectDef, raw: string | null): FieldDef[] | undefined {
    if (!raw) return undefined;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((name) => {
        const f = def.fields.get(name.toLowerCase());
        if (!f || isHidden(f)) throw badRequest('INVALID_FIELD', noSuchColumnMessage(name, def.name));
        return f;
      });
  }

  private sobjects(req: ApiRequest, rest: string[]): ApiResponse {
    const version = this.versionString(req);
    if (rest.length === 0) {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
      const sobjects = this.state.schema
        .all()
        .filter((d) => d.endpoints.data && mayAccess(this.state, req.session.userId, d, 'read'))
        .map((d) => describeGlobalEntry(d, version));
      return { status: 200, body: { encoding: 'UTF-8', maxBatchSize: COLLECTION_LIMIT, sobjects } };
    }
    const ctx = this.ctx(req);
    const def = resolveType(ctx, rest[0]);
    if (rest.length === 1) {
      if (req.method === 'GET' || req.method === 'HEAD')
        return { status: 200, body: { objectDescribe: describeGlobalEntry(def, version), recentItems: [] } };
      if (req.method !== 'POST' || !def.createable)
        throw methodNotAllowed(req.method, ['HEAD', 'GET', ...(def.createable ? ['POST'] : [])]);
      const rec = insertRecord(ctx, def, this.objectBody(req.body));
      return {
        status: 201,
        body: { id: rec.Id, success: true, errors: [] },
        headers: { Location: `/services/data/${version}/sobjects/${def.name}/${rec.Id}` },
      };
    }
    if (rest.length === 2 && rest[1] === 'describe') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
      return { status: 200, body: describeObject(def, version) };
    }
    if (rest.length !== 2) throw notFound();
    const id = rest[1];
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const rec = findRecord(ctx, def, id);
        return { status: 200, body: this.recordOut(def, rec, version, this.fieldList(def, req.query.get('fields'))) };
      }
      case 'PATCH':
        if (!def.updateable) throw refuseMethod(ctx, def, 'PATCH');
        updateRecord(ctx, def, id, this.objectBody(req.body));
        return { status: 204 };
      case 'DELETE':
        if (!def.deletable) throw refuseMethod(ctx, def, 'DELETE');
        deleteRecord(ctx, def, id);
        return { status: 204 };
      default:
        throw refuseMethod(ctx, def, req.method);
    }
  }

  private objectBody(body: unknown): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('JSON_PARSER_ERROR', 'The request body must be a JSON object');
    return body as Record<string, unknown>;
  }

  // --- sObject collections -----------------------------------------------------------------------------

  private collections(req: ApiRequest, rest: string[]): ApiResponse {
    const ctx = this.ctx(req);
    const version = this.versionString(req);
    if (rest.length === 1) {
      if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed(req.method, ['HEAD', 'GET', 'POST']);
      const def = resolveType(ctx, rest[0]);
      const source =
        req.method === 'GET'
          ? { ids: req.query.get('ids')?.split(','), fields: req.query.get('fields') }
          : (this.objectBody(req.body) as { ids?: string[]; fields?: string[] | string });
      const ids = (source.ids ?? []).map((s) => String(s).trim()).filter(Boolean);
      if (ids.length === 0) throw badRequest('MISSING_ARGUMENT', 'ids parameter is required');
      if (ids.length > 2000) throw badRequest('EXCEEDED_ID_LIMIT', 'Maximum number of ids is 2000');
      const fieldsRaw = Array.isArray(source.fields) ? source.fields.join(',') : (source.fields ?? null);
      const fields = this.fieldList(def, fieldsRaw);
      const records = ids.map((id) => {
        const rec = isIdShaped(id) ? this.state.get(def.name, to18(id)) : undefined;
        return rec ? this.recordOut(def, rec, version, fields) : null;
      });
      return { status: 200, body: records };
    }
    if (rest.length > 1) throw notFound();

    type Result = {
      id?: string | null;
      success: boolean;
      errors: Array<{ statusCode: string; message: string; fields: string[] }>;
    };
    const fail = (e: unknown, id?: string): Result => {
      if (!(e instanceof ApiError)) throw e;
      return {
        ...(id !== undefined ? { id } : {}),
        success: false,
        errors: [{ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] }],
      };
    };
    // A recordError fault fails one record, which then isn't run at all (nothing of it is written).
    let recordFault: RecordError | undefined;
    const injected = (i: number): void => {
      if (recordFault?.index === i) throw new ApiError(400, recordFault.statusCode, recordFault.message, []);
    };
    let allOrNone: boolean;
    let results: Result[];
    const savepoint = this.state.savepoint();
    if (req.method === 'DELETE') {
      const ids = (req.query.get('ids') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length === 0) throw badRequest('MISSING_ARGUMENT', 'ids parameter is required');
      if (ids.length > COLLECTION_LIMIT)
        throw badRequest(
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records in a single call'
        );
      allOrNone = req.query.get('allOrNone') === 'true' || req.forceAllOrNone === true;
      recordFault = this.faults.matchRecordError(req.seq, req.method, req.path, req.rawQuery, ids.length);
      results = ids.map((id, i) => {
        try {
          injected(i);
          const found = this.state.find(id);
          const malformed = `malformed id ${id}`;
          if (!found) {
            if (!isIdShaped(id)) throw badRequest('MALFORMED_ID', malformed);
            if (this.state.wasDeleted(id)) throw badRequest('ENTITY_IS_DELETED', 'entity is deleted');
            throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
          }
          deleteRecord(ctx, found.def, found.rec.Id);
          return { id: found.rec.Id, success: true, errors: [] };
        } catch (e) {
          return fail(e, id);
        }
      });
    } else if (req.method === 'POST' || req.method === 'PATCH') {
      const body = this.objectBody(req.body) as { allOrNone?: boolean; records?: unknown[] };
      if (!Array.isArray(body.records)) throw badRequest('JSON_PARSER_ERROR', 'records is required and must be a list');
      if (body.records.length > COLLECTION_LIMIT)
        throw badRequest(
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records in a single call'
        );
      allOrNone = body.allOrNone === true || req.forceAllOrNone === true;
      recordFault = this.faults.matchRecordError(req.seq, req.method, req.path, req.rawQuery, body.records.length);
      results = body.records.map((raw, i) => {
        const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
        const type = (record.attributes as { type?: string } | undefined)?.type;
        const { attributes: _attributes, id: lowerId, ...fields } = record;
        void _attributes;
        try {
          injected(i);
          if (!type) throw badRequest('INVALID_TYPE', 'Must send a concrete entity type.');
          const def = this.state.schema.get(type);
          if (!def || !def.endpoints.data) throw badRequest('INVALID_TYPE', unsupportedTypeMessage(type));
          if (req.method === 'POST') {
            const rec = insertRecord(ctx, def, fields);
            return { id: rec.Id, success: true, errors: [] };
          }
          const id = text(lowerId ?? fields.Id);
          delete fields.Id;
          if (!id) throw badRequest('MISSING_ARGUMENT', 'Id not specified in an update call');
          try {
            const rec = updateRecord(ctx, def, id, fields);
            return { id: rec.Id, success: true, errors: [] };
          } catch (e) {
            if (e instanceof ApiError && e.errorCode === 'NOT_FOUND')
              throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
            throw e;
          }
        } catch (e) {
          return fail(e, req.method === 'PATCH' ? text(lowerId ?? fields.Id) : undefined);
        }
      });
    } else {
      throw methodNotAllowed(req.method, ['POST', 'PATCH', 'DELETE']);
    }
    const anyFailed = results.some((r) => !r.success);
    if (allOrNone && anyFailed) {
      this.state.rollback(savepoint);
      results = results.map((r) => (r.success ? { id: null, success: false, errors: [ROLLED_BACK] } : r));
    }
    return { status: 200, body: results, partialFailure: anyFailed, ...(recordFault ? { fault: true } : {}) };
  }

  // --- composite --------------------------------------------------------------------------------------

  private composite(req: ApiRequest): ApiResponse {
    if (req.method !== 'POST') throw methodNotAllowed(req.method, ['POST']);
    const body = this.objectBody(req.body) as {
      allOrNone?: boolean;
      collateSubrequests?: unknown;
      compositeRequest?: unknown;
    };
    if (!Array.isArray(body.compositeRequest))
      throw badRequest('JSON_PARSER_ERROR', 'compositeRequest is required and must be a list');
    const subs = body.compositeRequest as Array<{
      method?: string;
      url?: string;
      referenceId?: string;
      body?: unknown;
    }>;
    if (subs.length > 25) throw badRequest('LIMIT_EXCEEDED', 'A composite request can have at most 25 subrequests.');
    const heavy = subs.filter((s) =>
      /\/(query|queryAll)(\/|\?|$)|\/composite\/sobjects/.test(String(s.url ?? ''))
    ).length;
    if (heavy > 5)
      throw badRequest(
        'LIMIT_EXCEEDED',
        'A composite request can have at most 5 query or sObject Collections subrequests.'
      );
    subs.forEach((s, i) => {
      if (typeof s !== 'object' || s === null || !s.method || !s.url || !s.referenceId) {
        throw badRequest('JSON_PARSER_ERROR', `compositeRequest[${i}] needs method, url and referenceId`);
      }
      if (!/^[A-Za-z0-9_]+$/.test(s.referenceId))
        throw badRequest(
          'INVALID_INPUT',
          `Invalid referenceId: ${s.referenceId}. Reference IDs can contain only letters, numbers and underscores.`
        );
    });

    const allOrNone = body.allOrNone === true;
    const savepoint = this.state.savepoint();
    const bodies = new Map<string, unknown>();
    const responses: Array<{
      body: unknown;
      httpHeaders: Record<string, string>;
      httpStatusCode: number;
      referenceId: string;
    }> = [];
    const logged: SubrequestLogEntry[] = [];
    const soqls: string[] = [];
    const halted = (ref: string): (typeof responses)[number] => ({
      body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED_MESSAGE }],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId: ref,
    });
    const ran: number[] = [];
    let stop = false;
    let faulted = false;
    // Answers stay in request order whatever order the subrequests ran in.
    for (const index of executionOrder(subs, collates(body, req.version, this.state.behaviour.collateSubrequests))) {
      const sub = subs[index];
      const ref = sub.referenceId as string;
      if (stop) {
        responses[index] = halted(ref);
        logged[index] = {
          method: String(sub.method).toUpperCase(),
          url: String(sub.url),
          status: 400,
          errorCode: 'PROCESSING_HALTED',
        };
        continue;
      }
      let r: ApiResponse;
      let url = String(sub.url);
      try {
        url = resolveReferences(url, bodies, true) as string;
        const subBody = resolveReferences(sub.body, bodies, false);
        r = this.subrequest(req, String(sub.method).toUpperCase(), url, subBody, allOrNone, soqls);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        r = errorResponse(e);
      }
      const failed = r.status >= 400 || (allOrNone && r.partialFailure === true);
      if (r.fault) faulted = true;
      responses[index] = {
        body: r.body ?? null,
        httpHeaders: r.headers ?? {},
        httpStatusCode: r.status,
        referenceId: ref,
      };
      logged[index] = {
        method: String(sub.method).toUpperCase(),
        url,
        status: r.status,
        errorCode: r.status >= 400 ? r.errorCode : undefined,
        fault: r.fault,
      };
      if (!failed) bodies.set(ref, r.body);
      else if (allOrNone) {
        this.state.rollback(savepoint);
        for (const before of ran) {
          responses[before] = halted(responses[before].referenceId);
          logged[before] = { ...logged[before], status: 400, errorCode: 'PROCESSING_HALTED' };
        }
        stop = true;
      }
      ran.push(index);
    }
    req.trace.subrequests = logged.map(
      (l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as unknown as SubrequestLogEntry
    );
    req.trace.soql = soqls;
    return { status: 200, body: { compositeResponse: responses }, ...(faulted ? { fault: true } : {}) };
  }

  // --- composite batch -------------------------------------------------------------------------------

  /**
   * Up to 25 independent subrequests, run in order; each commits on its own, a failed one rolls back only
   * itself. haltOnError answers 412 BATCH_PROCESSING_HALTED for the rest. The whole request is refused
   * (400, nothing run) when a subrequest's method or url is malformed. No 5-query limit (that is composite's).
   */
  private compositeBatch(req: ApiRequest): ApiResponse {
    if (req.method !== 'POST') throw methodNotAllowed(req.method, ['POST']);
    const body = this.objectBody(req.body) as { batchRequests?: unknown; haltOnError?: unknown };
    if (!Array.isArray(body.batchRequests))
      throw badRequest('JSON_PARSER_ERROR', 'batchRequests is required and must be a list');
    // Code and text assumed; Salesforce documents the limit, not the error.
    if (body.batchRequests.length > BATCH_LIMIT)
      throw badRequest('LIMIT_EXCEEDED', `A batch request can have at most ${BATCH_LIMIT} subrequests.`);
    const subs = body.batchRequests.map((raw, i) => {
      const sub = (typeof raw === 'object' && raw !== null ? raw : {}) as {
        method?: unknown;
        url?: unknown;
        richInput?: unknown;
      };
      const method = typeof sub.method === 'string' ? sub.method.toUpperCase() : '';
      if (!['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method))
        throw badRequest('INVALID_INPUT', `batchRequests[${i}]: invalid method: ${text(sub.method)}`);
      // "v66.0/query?q=...", "/v66.0/..." or "/services/data/v66.0/...".
      const m = typeof sub.url === 'string' ? /^(?:\/services\/data)?\/?v(\d+)\.(\d)(\/.*)?$/.exec(sub.url) : null;
      const version = m ? Number(`${m[1]}.${m[2]}`) : NaN;
      if (!m || version < OLDEST_BATCH_VERSION || version > req.version) {
        throw badRequest(
          'INVALID_INPUT',
          `batchRequests[${i}]: invalid url: ${text(sub.url)}. It must start with a version from v${OLDEST_BATCH_VERSION}.0 to v${req.version.toFixed(1)}.`
        );
      }
      return {
        method,
        url: sub.url as string,
        path: `/services/data/v${m[1]}.${m[2]}${m[3] ?? ''}`,
        body: sub.richInput,
      };
    });

    const haltOnError = body.haltOnError === true;
    const results: Array<{ statusCode: number; result: unknown }> = [];
    const logged: SubrequestLogEntry[] = [];
    const soqls: string[] = [];
    let halted = false;
    for (const sub of subs) {
      if (halted) {
        results.push({ statusCode: 412, result: [BATCH_HALTED] });
        logged.push({ method: sub.method, url: sub.url, status: 412, errorCode: BATCH_HALTED.errorCode });
        continue;
      }
      const savepoint = this.state.savepoint();
      let r: ApiResponse;
      try {
        r = this.batchSubrequest(req, sub.method, sub.path, sub.body, soqls);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        r = errorResponse(e);
      }
      // Each subrequest is its own transaction.
      if (r.status >= 400) this.state.rollback(savepoint);
      results.push({ statusCode: r.status, result: r.body ?? null });
      logged.push({
        method: sub.method,
        url: sub.url,
        status: r.status,
        ...(r.status >= 400 ? { errorCode: r.errorCode } : {}),
      });
      if (r.status >= 400 && haltOnError) halted = true;
    }
    req.trace.subrequests = logged;
    req.trace.soql = soqls;
    return { status: 200, body: { hasErrors: results.some((r) => r.statusCode >= 400), results } };
  }

  private batchSubrequest(
    parent: ApiRequest,
    method: string,
    path: string,
    body: unknown,
    soqls: string[]
  ): ApiResponse {
    const target = new URL(`http://x${path}`);
    const subPath = target.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(subPath) as RegExpExecArray;
    const segments = (m[3] ?? '')
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    if (!BATCHABLE.has(segments[0] ?? '')) throw notFound();
    const trace: ApiRequest['trace'] = {};
    const rawQuery = target.search ? target.search.slice(1) : undefined;
    const r = this.dispatch({
      method,
      segments,
      query: target.searchParams,
      body,
      version: Number(`${m[1]}.${m[2]}`),
      session: parent.session,
      trace,
      seq: parent.seq,
      path: subPath,
      rawQuery,
    });
    if (typeof trace.soql === 'string') soqls.push(trace.soql);
    return r;
  }

  private subrequest(
    parent: ApiRequest,
    method: string,
    url: string,
    body: unknown,
    allOrNone: boolean,
    soqls: string[]
  ): ApiResponse {
    const target = new URL(`http://x${url.startsWith('/') ? url : `/${url}`}`);
    const path = target.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
    if (!m) throw notFound();
    const version = Number(`${m[1]}.${m[2]}`);
    if (version > LATEST_API_VERSION || version < OLDEST_API_VERSION) throw notFound();
    const segments = (m[3] ?? '')
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    if (segments[0] === 'composite' && (segments.length === 1 || segments[1] === 'batch'))
      throw badRequest('INVALID_INPUT', 'Composite requests cannot be nested.');
    const trace: ApiRequest['trace'] = {};
    const rawQuery = target.search ? target.search.slice(1) : undefined;
    const r = this.dispatch({
      method,
      segments,
      query: target.searchParams,
      body,
      version,
      session: parent.session,
      trace,
      forceAllOrNone: allOrNone,
      seq: parent.seq,
      path,
      rawQuery,
    });
    if (typeof trace.soql === 'string') soqls.push(trace.soql);
    return r;
  }
}

/** @{ref.id}, @{ref.records[0].Id} ... against earlier subrequest bodies. */
/**
 * Whether Salesforce may collate (and so reorder) a composite's unrelated subrequests: collateSubrequests
 * defaults to true from API 49.0 (false in 48.0), and "the order of execution is not guaranteed (unless there
 * is an explicit dependency between the subrequests)" (REST API Developer Guide, Composite Request Body).
 * behaviour.collateSubrequests 'reorder' makes that visible; 'in-order' runs every composite as sent.
 */
function collates(body: { collateSubrequests?: unknown }, version: number, behaviour: 'in-order' | 'reorder'): boolean {
  if (behaviour !== 'reorder') return false;
  return body.collateSubrequests === undefined ? version >= 49 : body.collateSubrequests === true;
}

/**
 * The order subrequests run in: as sent, or (collated) in reverse except that a subrequest referring to
 * another (`@{ref...}` in its url or body) runs after it.
 */
function executionOrder(
  subs: Array<{ url?: string; referenceId?: string; body?: unknown }>,
  collate: boolean
): number[] {
  const all = subs.map((_s, i) => i);
  if (!collate) return all;
  const deps = subs.map((sub, i) => {
    const textOf = `${String(sub.url)} ${JSON.stringify(sub.body ?? null)}`;
    return all.filter((j) => j < i && textOf.includes(`@{${String(subs[j].referenceId)}`));
  });
  const order: number[] = [];
  while (order.length < subs.length) {
    const next = all.filter((i) => !order.includes(i) && deps[i].every((d) => order.includes(d))).pop() as number;
    order.push(next);
  }
  return order;
}

function resolveReferences(value: unknown, bodies: Map<string, unknown>, inUrl: boolean): unknown {
  if (typeof value === 'string') {
    return value.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g, (_m, ref: string, path: string) => {
      const expr = `${ref}${path}`;
      if (!bodies.has(ref))
        throw new ApiError(
          400,
          'PROCESSING_HALTED',
          `Invalid reference specified. No value for ${expr} found in ${ref}.`
        );
      let cur: unknown = bodies.get(ref);
      for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
        const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1));
        cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
      }
      if (cur === undefined || cur === null || typeof cur === 'object')
        throw new ApiError(
          400,
          'PROCESSING_HALTED',
          `Invalid reference specified. No value for ${expr} found in ${ref}.`
        );
      return inUrl ? encodeURIComponent(text(cur)) : text(cur);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, bodies, inUrl));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, bodies, inUrl)]));
  }
  return value;
}
