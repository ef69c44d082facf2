// Where a request goes: the version list, the token endpoint and userinfo (oauth/), and everything under
// /services/data/vNN.N: queries and their pages (here), sObjects (sobjects.ts), sObject Collections
// (collections.ts), composite (composite.ts), composite batch (batch.ts), the OAuth credentials resource
// (metadata/oauth-credentials.ts) and limits. Composite subrequests come back in through dispatch().

import { SoqlEngine } from '../data/soql.js';
import type { OrgState } from '../data/state.js';
import { oauthCredentials } from '../metadata/oauth-credentials.js';
import { TokenEndpoint } from '../oauth/oauth.js';
import { revokeToken } from '../oauth/revoke.js';
import { userinfoAnswer } from '../oauth/userinfo.js';
import {
  Api,
  ApiRequest,
  ApiResponse,
  LATEST_API_VERSION,
  OLDEST_API_VERSION,
  apiVersions,
  errorResponse,
  segmentsOf,
} from './api.js';
import { compositeBatch } from './batch.js';
import { collections } from './collections.js';
import { composite } from './composite.js';
import { ApiError, badRequest, methodNotAllowed, notFound, sessionInvalid } from './errors.js';
import type { FaultInjector } from './faults.js';
import { QueryPages } from './pages.js';
import { sessionFor } from './sessions.js';
import { sobjects } from './sobjects.js';

/** One HTTP request as routing sees it. */
export interface RoutedCall {
  method: string;
  path: string;
  rawQuery?: string;
  seq: number;
  params: URLSearchParams;
  rawBody: string;
  authorization?: string;
  /** the Host header (the token endpoint's client credentials flow serves only My Domain) */
  host?: string;
}

export class Routes implements Api {
  public readonly engine: SoqlEngine;
  private readonly tokens: TokenEndpoint;
  private readonly pages: QueryPages;

  public constructor(
    public readonly state: OrgState,
    public readonly faults: FaultInjector,
    /** the server's URL, known once it listens */
    private readonly instanceUrl: () => string
  ) {
    this.engine = new SoqlEngine(state);
    this.tokens = new TokenEndpoint(state);
    this.pages = new QueryPages(state);
  }

  public route(call: RoutedCall, trace: ApiRequest['trace']): ApiResponse {
    const { method, path, rawQuery, seq } = call;
    if (path === '/services/data') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET', 'HEAD']);
      return { status: 200, body: apiVersions() };
    }
    if (path === '/services/oauth2/token') {
      // JWT bearer and client credentials flows (oauth/). Logins are bookkeeping, not writes; the token never reaches the log.
      const reply = this.tokens.exchange(method, new URLSearchParams(call.rawBody), this.instanceUrl(), {
        host: call.host,
        authorization: call.authorization,
      });
      trace.writes = 0;
      trace.user = reply.username;
      return {
        status: reply.status,
        body: reply.body,
        errorCode: reply.status >= 400 ? String(reply.body.error) : undefined,
      };
    }
    if (path === '/services/oauth2/revoke') {
      // Revoking a token (oauth/revoke.ts): one write when a token goes; the token never reaches the log.
      const form = new URLSearchParams(method === 'GET' ? (rawQuery ?? '') : call.rawBody);
      const reply = revokeToken(this.state, method, form);
      trace.writes = reply.status === 200 ? 1 : 0;
      return {
        status: reply.status,
        body: reply.status === 200 ? undefined : reply.body,
        errorCode: reply.status >= 400 ? String(reply.body.error) : undefined,
      };
    }
    if (path === '/services/oauth2/userinfo')
      return userinfoAnswer(this.state, sessionFor(this.state, call.authorization), this.instanceUrl());
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
    if (!m) throw notFound();
    const version = Number(`${m[1]}.${m[2]}`);
    if (version > LATEST_API_VERSION || version < OLDEST_API_VERSION) throw notFound();
    const session = sessionFor(this.state, call.authorization);
    if (!session) throw sessionInvalid();
    let body: unknown;
    if (call.rawBody.trim() !== '') {
      try {
        body = JSON.parse(call.rawBody);
      } catch (e) {
        throw badRequest('JSON_PARSER_ERROR', `Unexpected character in request body: ${(e as Error).message}`);
      }
    }
    const segments = segmentsOf(m[3]);
    return this.dispatch({ method, segments, query: call.params, body, version, session, trace, seq, path, rawQuery });
  }

  /** Everything under /services/data/vNN.N; composite subrequests come here too. */
  public dispatch(req: ApiRequest): ApiResponse {
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
          return sobjects(this, req, rest);
        case 'composite':
          if (rest.length === 0) return composite(this, req);
          if (rest[0] === 'sobjects') return collections(this, req, rest.slice(1));
          if (rest[0] === 'batch' && rest.length === 1) return compositeBatch(this, req);
          throw notFound();
        case 'apps':
          if (rest[0] === 'oauth' && rest[1] === 'credentials') {
            req.trace.writes = 0;
            return oauthCredentials(this.state, req.method, req.version, rest.slice(2), req.query);
          }
          throw notFound();
        case 'limits':
          // requestCount is the number of the request being served (the server sets it first thing).
          return {
            status: 200,
            body: { DailyApiRequests: { Max: 15000, Remaining: 15000 - this.state.requestCount } },
          };
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
}
