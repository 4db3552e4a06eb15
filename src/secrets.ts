import { readFileSync } from 'node:fs';

/**
 * The source password never travels through Temporal: the pipe names a
 * secret and the worker looks it up, first in its environment
 * (PIPES_SECRET_<NAME>, upper case, non-alphanumerics as _), then in the JSON
 * file named by PIPES_SECRETS_FILE ({"name": "password"}).
 */
export type SecretResolver = (name: string) => string;

export function secretEnvName(name: string): string {
  return 'PIPES_SECRET_' + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  let file: Record<string, unknown> | undefined;
  return (name) => {
    const fromEnv = env[secretEnvName(name)];
    if (fromEnv !== undefined) return fromEnv;
    const path = env.PIPES_SECRETS_FILE;
    if (path) {
      if (!file) {
        try {
          file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          throw new Error(`cannot read the secrets file named by PIPES_SECRETS_FILE: ${(err as Error).message}`);
        }
      }
      const v = file[name];
      if (typeof v === 'string') return v;
    }
    throw new Error(
      `secret "${name}" is not set: give the worker ${secretEnvName(name)} or an entry in PIPES_SECRETS_FILE`,
    );
  };
}
