import { PipeValidationError } from '../pipe/errors.js';

/** An error as it crosses from the binlog thread: structured cloning keeps neither its class nor its extra fields. */
export interface WireError {
  name: string;
  message: string;
  code?: unknown;
  errno?: unknown;
}

export function toWireError(err: unknown): WireError {
  const e = err as Error & { code?: unknown; errno?: unknown };
  return { name: e.name, message: e.message, code: e.code, errno: e.errno };
}

/** The error again, as a class the activity's retry rules know (a PipeValidationError is not retried). */
export function fromWireError({ name, message, code, errno }: WireError): Error {
  if (name === 'PipeValidationError') return new PipeValidationError(message);
  return Object.assign(new Error(message), { code, errno });
}
