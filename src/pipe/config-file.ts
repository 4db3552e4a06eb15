import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parsePipeConfig, type PipeConfig } from './config.js';
import { PipeConfigError } from './errors.js';

/** Reads a pipe configuration from a JSON or YAML file and validates it. */
export function readPipeConfigFile(path: string): PipeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PipeConfigError([`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`]);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const kind = /\.ya?ml$/i.test(path) ? 'YAML' : 'JSON';
    throw new PipeConfigError([`${path} is not valid ${kind}: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PipeConfigError([`${path} must hold one pipe configuration object`]);
  }
  return parsePipeConfig(data);
}
