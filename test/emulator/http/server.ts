// The HTTP server: one node:http server on 127.0.0.1 around the routes (routes.ts). Every request gets its
// number, is refused if its head is oversized (pages.ts), meets the injected faults (faults.ts), runs in a
// transaction (rolled back when it fails), and leaves one request-log entry (log.ts). The Metadata API's SOAP
// requests go to metadata/ instead of the REST routes.

import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { SoqlEngine } from '../data/soql.js';
import type { OrgState } from '../data/state.js';
import { MetadataService, SoapReply, soapFault } from '../metadata/metadata.js';
import { ApiRequest, ApiResponse, errorResponse, normalizedPath } from './api.js';
import { ApiError } from './errors.js';
import { FaultHit, FaultInjector } from './faults.js';
import { RequestLog } from './log.js';
import { oversizedHead } from './pages.js';
import { Routes } from './routes.js';
import { sessionByToken, sessionFor } from './sessions.js';

/** One HTTP request as respond() sees it. */
interface Call {
  seq: number;
  method: string;
  path: string;
  rawQuery?: string;
  started: number;
  /** the session's username, for the log */
  user?: string;
  /** a lostAnswer fault: the request runs, then the connection drops */
  loseAnswer: boolean;
}

export class EmulatorServer {
  public readonly log: RequestLog;
  public readonly faults = new FaultInjector();
  public instanceUrl = '';
  public port = 0;
  private readonly routes: Routes;
  private readonly metadata: MetadataService;
  private readonly server: http.Server;
  private seq = 0;

  public constructor(
    public readonly state: OrgState,
    requestLogFile?: string
  ) {
    this.routes = new Routes(state, this.faults, () => this.instanceUrl);
    this.metadata = new MetadataService(state);
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
    return this.routes.engine;
  }

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
    const url = new URL(`http://x${req.url ?? '/'}`);
    const session = sessionFor(this.state, req.headers.authorization);
    const call: Call = {
      seq,
      method: (req.method ?? 'GET').toUpperCase(),
      path: normalizedPath(url.pathname),
      rawQuery: url.search ? url.search.slice(1) : undefined,
      started,
      user: session ? this.state.username(session.userId) : undefined,
      loseAnswer: false,
    };
    // Salesforce's front end refuses an oversized head before anything runs.
    if (this.refuseOversized(call, req, res)) return;
    if (this.injectFault(call, req, res)) return;
    // The request runs (and writes), then the answer is lost.
    call.loseAnswer = this.faults.matchLostAnswer(seq, call.method, call.path, call.rawQuery);
    // The Metadata API endpoint, with or without the org id that userinfo's urls.metadata appends.
    if (/^\/services\/Soap\/m\/\d+\.\d(\/00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?)?$/.test(call.path))
      this.respondSoap(call, rawBody, res, req);
    else this.respondRest(call, url.searchParams, rawBody, res, req);
  }

  /** A request URI or head over Salesforce's limits: 414 / 431 and the web server's page (pages.ts). */
  private refuseOversized(call: Call, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const oversized = oversizedHead(req.url ?? '/', req.rawHeaders);
    if (!oversized) return false;
    this.log.add({
      seq: call.seq,
      method: call.method,
      path: call.path,
      status: oversized.status,
      errorCode: oversized.reason.toUpperCase().replace(/ /g, '_'),
      writes: 0,
      user: call.user,
      ms: Date.now() - call.started,
    });
    res.writeHead(oversized.status, { 'content-type': 'text/html;charset=iso-8859-1', connection: 'close' });
    res.end(oversized.body);
    return true;
  }

  /** A fault injected for this request: an error answer (SOAP-shaped on the Metadata API) or a reset connection. */
  private injectFault(call: Call, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const fault = this.faults.match(call.seq, call.method, call.path, call.rawQuery);
    if (!fault) return false;
    this.log.add({
      seq: call.seq,
      method: call.method,
      path: call.path,
      query: call.rawQuery,
      status: fault.reset ? 0 : fault.status,
      errorCode: fault.reset ? undefined : fault.errorCode,
      writes: 0,
      user: call.user,
      fault: true,
      ms: Date.now() - call.started,
    });
    if (fault.reset) req.socket.destroy();
    else if (call.path.startsWith('/services/Soap/')) this.sendSoapFault(res, fault, call.seq);
    else
      this.send(
        res,
        { status: fault.status, body: [{ message: fault.message, errorCode: fault.errorCode }] },
        call.seq
      );
    return true;
  }

  /** A REST request in its own transaction: rolled back when it fails; the log counts what it wrote. */
  private respondRest(
    call: Call,
    params: URLSearchParams,
    rawBody: string,
    res: http.ServerResponse,
    req: http.IncomingMessage
  ): void {
    const trace: ApiRequest['trace'] = {};
    this.state.resetJournal();
    const savepoint = this.state.savepoint();
    let response: ApiResponse;
    try {
      response = this.routes.route(
        { ...call, params, rawBody, authorization: req.headers.authorization, host: req.headers.host },
        trace
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      response = errorResponse(e);
    }
    const failed = response.status >= 400;
    if (failed) this.state.rollback(savepoint);
    const writes = failed ? 0 : (trace.writes ?? this.state.writesSince(savepoint));
    this.state.resetJournal();
    this.log.add({
      seq: call.seq,
      method: call.method,
      path: call.path,
      query: call.rawQuery,
      soql: trace.soql,
      status: response.status,
      errorCode: failed ? response.errorCode : undefined,
      writes,
      subrequests: trace.subrequests,
      user: trace.user ?? call.user,
      fault: response.fault || call.loseAnswer || undefined,
      ms: Date.now() - call.started,
    });
    if (call.loseAnswer) req.socket.destroy();
    else this.send(res, response, call.seq);
  }

  /** The Metadata API (metadata/metadata.ts): SOAP in, SOAP out; the log gets the operation and the components written. */
  private respondSoap(call: Call, rawBody: string, res: http.ServerResponse, req: http.IncomingMessage): void {
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
        userId = sessionByToken(this.state, token)?.userId;
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
}
