import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { PipeClientError, type PipeClient } from '../control/pipe-client.js';
import { PipeConfigError, deepestMessage } from '../pipe/errors.js';
import { parseResyncRequest } from '../pipe/resync-options.js';
import { CSRF_HEADER, SESSION_COOKIE, checkBinding, guard, sessionFor, tokenMatches } from './console-auth.js';
import { summarise } from './pipe-summary.js';

export interface ConsoleOptions {
  client: PipeClient;
  host: string;
  port: number;
  /** PIPES_CONSOLE_TOKEN: when set, every browser signs in with it. */
  token?: string;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** The repository's root, from this module (dist/src/console/ once built). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);

/** The page's files: its HTML and CSS as written, its scripts as compiled, and the chart library's browser build. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'app.css': { file: join(ROOT, 'src/console/web/app.css'), type: 'text/css; charset=utf-8' },
  'chart.umd.js': { file: join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};
const SCRIPTS = new Set(['app.js', 'api.js', 'views.js', 'charts.js', 'format.js']);
const scriptFile = (name: string) => join(ROOT, 'dist/console-web/console/web', name);

/**
 * The web console: the pages of the user's guide (Data Sources, and per
 * pipe Metrics, Tables, Settings) over a small JSON API. It talks to
 * Temporal from here: browsers never reach Temporal or the databases, and
 * what it returns never holds a secret (configurations name their secrets).
 */
export async function startConsole(opts: ConsoleOptions): Promise<RunningConsole> {
  checkBinding(opts.host, opts.token);
  const app = Fastify({ logger: false });
  await app.register(cookie);
  app.addHook('onRequest', guard(opts.token));
  app.setErrorHandler((err, _req, reply) => {
    // One line for people, never a stack trace.
    const known = err instanceof PipeClientError || err instanceof PipeConfigError;
    void reply.code(known ? 400 : (err as { statusCode?: number }).statusCode ?? 500).send({ error: deepestMessage(err).split('\n')[0] });
  });
  routes(app, opts);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`, close: () => app.close() };
}

function routes(app: FastifyInstance, { client, token }: ConsoleOptions): void {
  const page = () => readFileSync(join(ROOT, 'src/console/web/index.html'), 'utf8');
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page()));
  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const { name } = req.params;
    const asset = ASSETS[name] ?? (SCRIPTS.has(name) ? { file: scriptFile(name), type: 'text/javascript; charset=utf-8' } : null);
    if (!asset) return reply.code(404).send({ error: 'no such file' });
    return reply.type(asset.type).send(readFileSync(asset.file));
  });

  app.post<{ Body: { token?: unknown } }>('/api/login', async (req, reply) => {
    if (!token) return { signedIn: true };
    if (!tokenMatches(token, req.body?.token)) return reply.code(401).send({ error: 'wrong token' });
    return reply.setCookie(SESSION_COOKIE, sessionFor(token), { httpOnly: true, sameSite: 'strict', path: '/' }).send({ signedIn: true });
  });
  app.get('/api/session', async () => ({ tokenRequired: Boolean(token), csrfHeader: CSRF_HEADER }));

  app.get('/api/pipes', async () => {
    const names = await client.list();
    const views = await Promise.all(names.map((n) => client.status(n).catch(() => null)));
    return views.flatMap((v) => (v ? [summarise(v)] : []));
  });
  app.get<{ Params: { name: string } }>('/api/pipes/:name', async (req) => {
    const { name } = req.params;
    const [view, config] = await Promise.all([client.status(name), client.config(name).catch(() => null)]);
    return { view, config };
  });

  for (const action of ['pause', 'resume', 'drop'] as const) {
    app.post<{ Params: { name: string } }>(`/api/pipes/:name/${action}`, async (req) => {
      await client[action](req.params.name);
      return { done: action };
    });
  }
  app.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/api/pipes/:name/resync', async (req) => {
    // The same checks as a resync from anywhere else: every bad field named.
    const { pipe, ...options } = parseResyncRequest({ ...(req.body ?? {}), pipe: req.params.name });
    await client.resync(pipe, options);
    return { started: true };
  });
}
