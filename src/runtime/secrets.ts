import { readFileSync } from 'node:fs';
import { secretEnvName, secretSourcesFromEnv } from './environment.js';

/**
 * The source password never travels through Temporal: the pipe names a
 * secret and the worker looks it up, first in its environment
 * (PIPES_SECRET_<NAME>), then in the JSON file named by PIPES_SECRETS_FILE
 * ({"name": "password"}).
 */
export type SecretResolver = (name: string) => string;

export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  const sources = secretSourcesFromEnv(env);
  let file: Record<string, unknown> | undefined;
  return (name) => {
    const fromEnv = sources.variable(name);
    if (fromEnv !== undefined) return fromEnv;
    if (sources.file) {
      if (!file) {
        try {
          file = JSON.parse(readFileSync(sources.file, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          throw new Error(`cannot read the secrets file named by PIPES_SECRETS_FILE: ${(err as Error).message}`);
        }
      }
      const v = file[name];
      if (typeof v === 'string') return v;
    }
    throw new Error(`secret "${name}" is not set: give the worker ${secretEnvName(name)} or an entry in PIPES_SECRETS_FILE`);
  };
}
