import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../scripts/stack/paths.js';
import { readPipeConfigFile } from '../../src/pipe/config-file.js';

// docker-compose.yml cannot run here (no Docker engine); keep it valid and complete.
test('docker-compose.yml describes MySQL with a CDC-ready binlog, ClickHouse, Temporal and the worker', () => {
  const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string> }>;
  };
  assert.deepEqual(Object.keys(compose.services).sort(), ['clickhouse', 'mysql', 'temporal', 'worker']);
  const mysqlFlags = compose.services.mysql!.command!.join(' ');
  for (const flag of ['--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-row-metadata=FULL', '--gtid-mode=ON']) {
    assert.ok(mysqlFlags.includes(flag), flag);
  }
  assert.equal(compose.services.worker!.build, '.');
  assert.equal(compose.services.worker!.environment!.CLICKHOUSE_URL, 'http://clickhouse:8123');
});

test('the example pipe files are valid configurations without passwords', () => {
  for (const file of ['examples/shop.yaml', 'docker/shop-pipe.yaml']) {
    const config = readPipeConfigFile(join(PROJECT_ROOT, file));
    assert.ok(config.source.passwordSecret, `${file} names a secret`);
  }
});
