/** The console's API, as the page calls it: JSON in and out, one-line errors. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(body.error ?? `${res.status} ${res.statusText}`, res.status);
  return body as T;
}

export const getJson = <T>(path: string): Promise<T> => call<T>(path);

/** A request that changes something: it carries the console's own header (the server refuses it otherwise). */
export const post = <T>(path: string, body: unknown = {}): Promise<T> =>
  call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pipes-console': '1' }, body: JSON.stringify(body) });
