import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatementQueue } from '../../src/clickhouse/statement-queue.js';

/** A statement the test ends when it wants, noting when it ran. */
function gated(log: string[], name: string) {
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await ended;
      log.push(`end ${name}`);
      return name;
    },
    end: () => end(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('one statement at a time; an urgent one goes ahead of those waiting, after the one running', async () => {
  const queue = new StatementQueue();
  const log: string[] = [];
  const [load1, load2, load3, cdc1, cdc2] = ['load1', 'load2', 'load3', 'cdc1', 'cdc2'].map((n) => gated(log, n)) as [
    ReturnType<typeof gated>, ReturnType<typeof gated>, ReturnType<typeof gated>, ReturnType<typeof gated>, ReturnType<typeof gated>,
  ];
  const results = [
    queue.run(false, load1.run),
    queue.run(false, load2.run),
    queue.run(false, load3.run),
    queue.run(true, cdc1.run),
    queue.run(true, cdc2.run),
  ];
  await tick();
  assert.deepEqual(log, ['start load1']);
  assert.equal(queue.length, 4);
  for (const s of [load1, cdc1, cdc2, load2, load3]) {
    s.end();
    await tick();
  }
  assert.deepEqual(await Promise.all(results), ['load1', 'load2', 'load3', 'cdc1', 'cdc2']);
  assert.deepEqual(log, [
    'start load1', 'end load1',
    'start cdc1', 'end cdc1',
    'start cdc2', 'end cdc2',
    'start load2', 'end load2',
    'start load3', 'end load3',
  ]);
  assert.equal(queue.length, 0);
});

test('a statement that fails passes the engine on, and its caller gets the error', async () => {
  const queue = new StatementQueue();
  const failing = queue.run(false, () => Promise.reject(new Error('syntax error')));
  const next = queue.run(false, () => Promise.resolve('ran'));
  await assert.rejects(failing, /syntax error/);
  assert.equal(await next, 'ran');
  // Idle again: a statement starts at once.
  let started = false;
  const later = queue.run(true, async () => {
    started = true;
  });
  assert.equal(started, true);
  await later;
});
