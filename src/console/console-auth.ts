import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The cookie a signed-in browser carries. */
export const SESSION_COOKIE = 'pipes_console';
/** The header every state-changing request must carry: a page from another site cannot send it without a CORS preflight, which this server never grants. */
export const CSRF_HEADER = 'x-pipes-console';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Binding beyond this machine needs a token: anyone who can reach the port could otherwise drop pipes. */
export function checkBinding(host: string, token: string | undefined): void {
  if (!LOOPBACK.has(host) && !token) {
    throw new Error(`the console listens on ${host}, beyond this machine: set PIPES_CONSOLE_TOKEN so that only people with the token can sign in`);
  }
}

/** What the session cookie holds for a token: a hash of it (the token itself never goes back to the browser). */
export function sessionFor(token: string): string {
  return createHash('sha256').update(`pipes-console:${token}`).digest('hex');
}

function same(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `given` is the token (compared in constant time). */
export function tokenMatches(token: string, given: unknown): boolean {
  return typeof given === 'string' && same(sessionFor(token), sessionFor(given));
}

/**
 * The guard in front of the API: with a token, a signed-in session; for
 * every request that changes something, the console's own header and, when
 * the browser says where the page came from, this same host.
 */
export function guard(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.url.startsWith('/api/') || req.url === '/api/login') return;
    if (token && !same(String(req.cookies[SESSION_COOKIE] ?? ''), sessionFor(token))) {
      await reply.code(401).send({ error: 'sign in with the console token first' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      const host = req.headers.host;
      if (req.headers[CSRF_HEADER] !== '1' || (origin && host && new URL(origin).host !== host)) {
        await reply.code(403).send({ error: 'refused: a request that changes a pipe must come from the console itself' });
      }
    }
  };
}
