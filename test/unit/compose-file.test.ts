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
  assert.deepEqual(Object.keys(compose.services).sort(), ['clickhouse', 'console', 'grafana', 'mysql', 'prometheus', 'temporal', 'worker']);
  const mysqlFlags = compose.services.mysql!.command!.join(' ');
  for (const flag of ['--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-row-metadata=FULL', '--gtid-mode=ON']) {
    assert.ok(mysqlFlags.includes(flag), flag);
  }
  assert.equal(compose.services.worker!.build, '.');
  assert.equal(compose.services.worker!.environment!.CLICKHOUSE_URL, 'http://clickhouse:8123');
  // The console beyond localhost signs people in; Prometheus scrapes the worker's metrics; Temporal knows the search attributes.
  assert.ok(compose.services.console!.environment!.PIPES_CONSOLE_TOKEN);
  const port = compose.services.worker!.environment!.PIPES_METRICS_PORT;
  assert.match(readFileSync(join(PROJECT_ROOT, 'docker/prometheus.yml'), 'utf8'), new RegExp(`worker:${port}`));
  assert.match(compose.services.temporal!.command!.join(' '), /--search-attribute PipeName=Keyword --search-attribute PipeStatus=Keyword/);
  const dashboard = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docker/grafana/pipes-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  for (const series of ['pipes_info', 'pipes_rows_loaded_total', 'pipes_fetched_events_total', 'pipes_cdc_lag_seconds', 'pipes_cdc_batch_duration_seconds', 'pipes_retries_total']) {
    assert.ok(exprs.includes(series), `the dashboard draws ${series}`);
  }
});

test('the example pipe files are valid configurations without passwords', () => {
  for (const file of ['examples/shop.yaml', 'docker/shop-pipe.yaml']) {
    const config = readPipeConfigFile(join(PROJECT_ROOT, file));
    assert.ok(config.source.passwordSecret, `${file} names a secret`);
  }
});
