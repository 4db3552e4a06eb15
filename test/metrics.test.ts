import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { TestWorld, killAndWait, sleep } from './helpers/stack.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { freePort } from '../scripts/stack/processes.js';
import { PIPE_NAME_ATTRIBUTE, PIPE_STATUS_ATTRIBUTE } from '../src/pipe/search-attributes.js';

/**
 * What operators read: the worker's Prometheus metrics (parsed with a
 * Prometheus text parser) moving during a load and during CDC, the
 * Temporal SDK's own worker metrics beside them, and pipes found by their
 * search attributes.
 */
describe('metrics and search attributes', () => {
  let world: TestWorld;
  let worker: ChildProcess;
  let port: number;
  const pipe = 'watched';

  /** `name{labels}` → value, for the series whose labels include `match`. */
  async function scrape(): Promise<{ value: (name: string, match?: Record<string, string>) => number; names: Set<string> }> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    const value = (name: string, match: Record<string, string> = {}) =>
      families
        .filter((f) => f.name === name)
        .flatMap((f) => f.metrics)
        .filter((m) => Object.entries(match).every(([k, v]) => m.labels?.[k] === v))
        // (A histogram's observations: its +Inf bucket; this parser drops a histogram's labels.)
        .reduce((sum, m) => sum + Number(m.value ?? m.buckets?.['+Inf'] ?? 0), 0);
    return { value, names: new Set(families.map((f) => f.name)) };
  }

  before(async () => {
    world = await TestWorld.create('metrics');
    await world.root.query('CREATE TABLE m (id INT PRIMARY KEY, v INT)');
    await world.root.query('INSERT INTO m SELECT seq, seq FROM seq_1_to_60000');
    port = await freePort();
    worker = await world.startWorkerProcess({ PIPES_METRICS_PORT: String(port) });
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    if (worker) await killAndWait(worker, 'SIGTERM');
    await world?.close();
  });

  it('shows rows loaded and the pipe state moving during a load, then changes by type, batches and lag during CDC', async () => {
    await world.client.create(
      world.config({ name: pipe, destination: { database: `dst_${world.id}` }, tables: ['m'], settings: { snapshotRowsPerPartition: 5_000, maxRowsPerSecond: 20_000 } }),
    );
    // During the load: rows counted as they are written, the state Snapshot.
    const seen: number[] = [];
    let snapshotState = 0;
    const grew = () => seen.some((n, i) => i > 0 && n > seen[i - 1]! && seen[i - 1]! > 0);
    // Bounded by time, not by scrapes: the worker's metrics endpoint is up only once its workflow bundle is built
    // (seconds on a busy machine), and the scrapes before that fail.
    for (const deadline = Date.now() + 30_000; !grew() && Date.now() < deadline; ) {
      const m = await scrape().catch(() => null);
      if (m) {
        seen.push(m.value('pipes_rows_loaded_total', { pipe, table: 'm' }));
        snapshotState ||= m.value('pipes_info', { pipe, state: 'Snapshot' });
      }
      await sleep(300);
    }
    assert.ok(grew(), `rows loaded grow during the load: ${seen.join(', ')}`);
    assert.equal(snapshotState, 1, 'pipes_info{state="Snapshot"} during the load');
    await expectStatus(world, pipe, 'Running', 120_000);

    const before = await scrape();
    assert.equal(before.value('pipes_rows_loaded_total', { pipe, table: 'm' }), 60_000);
    await world.root.query('INSERT INTO m SELECT seq, 0 FROM seq_60001_to_60100');
    await world.root.query('UPDATE m SET v = -v WHERE id <= 50');
    await world.root.query('DELETE FROM m WHERE id BETWEEN 51 AND 80');
    await waitCaughtUp(world, pipe);
    const m = await scrape();
    assert.equal(m.value('pipes_info', { pipe, state: 'Running' }), 1);
    assert.equal(m.value('pipes_info', { pipe, state: 'Snapshot' }), 0, 'one state at a time');
    const events = (t: string) => m.value('pipes_fetched_events_total', { pipe, table: 'm', event_type: t }) - before.value('pipes_fetched_events_total', { pipe, table: 'm', event_type: t });
    assert.deepEqual([events('insert'), events('update'), events('delete')], [100, 50, 30]);
    assert.ok(m.value('pipes_cdc_batches_total', { pipe }) > before.value('pipes_cdc_batches_total', { pipe }));
    assert.ok(m.value('pipes_cdc_batch_duration_seconds') > 0, 'batch durations observed');
    assert.ok(m.names.has('pipes_cdc_lag_seconds') && m.value('pipes_cdc_lag_seconds', { pipe }) >= 0);
    assert.ok(m.value('pipes_bytes_written_total', { pipe, table: 'm' }) > 0);
    // The Temporal SDK's own worker metrics, on the same endpoint.
    assert.ok([...m.names].some((n) => n.startsWith('temporal_')), `SDK metrics: ${[...m.names].filter((n) => n.startsWith('temporal')).join(', ') || 'none'}`);
  });

  it('finds pipes by their search attributes, as the UI filter and temporal workflow list do', async () => {
    const ids: string[] = [];
    const deadline = Date.now() + 30_000;
    while (ids.length === 0 && Date.now() < deadline) {
      for await (const wf of world.client.temporal.workflow.list({ query: `${PIPE_STATUS_ATTRIBUTE.name} = 'Running' AND ${PIPE_NAME_ATTRIBUTE.name} = '${pipe}'` })) ids.push(wf.workflowId);
      if (ids.length === 0) await sleep(500);
    }
    assert.deepEqual(ids, [`pipe:${pipe}`]);
    await world.client.pause(pipe);
    await expectStatus(world, pipe, 'Paused');
    const paused: string[] = [];
    while (paused.length === 0 && Date.now() < deadline + 30_000) {
      for await (const wf of world.client.temporal.workflow.list({ query: `PipeStatus = 'Paused' AND PipeName = '${pipe}'` })) paused.push(wf.workflowId);
      if (paused.length === 0) await sleep(500);
    }
    assert.deepEqual(paused, [`pipe:${pipe}`]);
    await world.client.resume(pipe);
  });
});
