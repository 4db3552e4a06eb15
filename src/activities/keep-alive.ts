import type { Context } from '@temporalio/activity';

/**
 * Heartbeats the latest progress every second while a long step (a slow
 * page, a big insert) runs, so the server neither times the activity out nor
 * waits long to deliver a cancellation. Returns the function that stops it.
 */
export function keepAlive(ctx: Context, details: () => unknown): () => void {
  const timer = setInterval(() => ctx.heartbeat(details()), 1_000);
  return () => clearInterval(timer);
}
