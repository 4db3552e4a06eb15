import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { PROJECT_ROOT } from '../scripts/stack/paths.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real pipectl program, as a user would. */
function pipectl(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/client.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** One clear line, no stack trace. */
function assertOneLine(r: CliResult, code: number, pattern: RegExp) {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('pipectl', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'pipectl-'));
  const pipe = 'cli-pipe';

  before(async () => {
    world = await TestWorld.create('cli');
    await world.root.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))');
    await world.root.query(`INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_300`);
    worker = await world.startWorker();
    env = { PIPES_TASK_QUEUE: world.taskQueue };
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  it('says so in one line when the pipe does not exist', async () => {
    assertOneLine(await pipectl(['status', 'no-such-pipe'], env), 2, /^pipectl: no running pipe named "no-such-pipe"$/);
  });

  it('refuses to resync a pipe that does not exist, in one line', async () => {
    assertOneLine(await pipectl(['resync', 'no-such-pipe', '--yes'], env), 2, /^pipectl: resync of pipe no-such-pipe refused: no running pipe named "no-such-pipe"$/);
  });

  it('says so in one line when the Temporal server cannot be reached', async () => {
    const r = await pipectl(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assertOneLine(r, 2, /^pipectl: cannot reach the Temporal server at 127\.0\.0\.1:1/);
  });

  it('refuses a missing file, a file that is not JSON, and bad fields, naming each', async () => {
    assertOneLine(await pipectl(['create', '--file', join(dir, 'missing.json')], env), 2, /cannot read .*missing\.json: no such file/);
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    assertOneLine(await pipectl(['create', '--file', join(dir, 'broken.json')], env), 2, /broken\.json is not valid JSON/);
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n  tables: {\n');
    assertOneLine(await pipectl(['create', '--file', join(dir, 'broken.yaml')], env), 2, /broken\.yaml is not valid YAML/);
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\nsource: {user: u, database: d}\ndestination: {database: d}\ntables: [a]\nsettings: {pullBatchSize: -1}\n');
    assertOneLine(await pipectl(['create', '--file', join(dir, 'bad.yaml')], env), 2, /^pipectl: settings\.pullBatchSize: must be at least 1$/);
  });

  it('creates, lists, shows, waits for, pauses, resumes and drops a pipe', async () => {
    const file = join(dir, 'pipe.yaml');
    const config = world.config({ name: pipe, destination: { database: `dst_${world.id}` }, tables: ['items'] });
    writeFileSync(file, JSON.stringify(config));

    const created = await pipectl(['create', '--file', file], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /pipe cli-pipe created/);

    const waited = await pipectl(['wait', pipe, '--status', 'running', '--timeout', '60'], env);
    assert.equal(waited.code, 0, waited.stderr);

    const listed = await pipectl(['list'], env);
    assert.match(listed.stdout, /cli-pipe\s+Running/);

    const shown = await pipectl(['status', pipe], env);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /Status:\s+Running/);
    assert.match(shown.stdout, /items\s+Live\s+300\s+1\/1/);

    const json = await pipectl(['status', pipe, '--json'], env);
    const view = JSON.parse(json.stdout) as { status: string; tables: Record<string, { initialLoad: { rowsLoaded: number } }> };
    assert.equal(view.status, 'Running');
    assert.equal(view.tables.items?.initialLoad.rowsLoaded, 300);

    const validated = await pipectl(['validate', pipe], env);
    assert.equal(validated.code, 0, validated.stderr);
    assert.match(validated.stdout, /^items: 300 rows in 1 parts compared: equal to the source$/m);
    await world.destination().command(`ALTER TABLE \`dst_${world.id}\`.items DELETE WHERE id = 3 SETTINGS mutations_sync = 2`);
    const differs = await pipectl(['validate', pipe, '--json'], env);
    assert.equal(differs.code, 1, 'exit 1 when a key differs');
    assert.deepEqual((JSON.parse(differs.stdout) as { tables: Record<string, { differences: unknown[] }> }).tables.items?.differences, [{ key: [3], kind: 'missing' }]);
    const repaired = await pipectl(['repair', pipe], env);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, /items: 300 rows in 1 parts compared, 1 keys repaired: equal to the source/);
    const badEvery = await pipectl(['validate', pipe, '--every', 'daily'], env);
    assert.equal(badEvery.code, 2);
    assert.match(badEvery.stderr, /--every <duration>' argument 'daily' is invalid. must look like 30m, 24h or 7d, or be off/);

    const timedOut = await pipectl(['wait', pipe, '--status', 'Paused', '--timeout', '1'], env);
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stderr, /still Running after 1 s/);

    assert.equal((await pipectl(['pause', pipe], env)).code, 0);
    assert.equal((await pipectl(['wait', pipe, '--status', 'Paused', '--timeout', '30'], env)).code, 0);
    assert.equal((await pipectl(['resume', pipe], env)).code, 0);
    assert.equal((await pipectl(['wait', pipe, '--status', 'Running', '--timeout', '30'], env)).code, 0);

    const dropped = await pipectl(['drop', pipe], env);
    assert.equal(dropped.code, 0, dropped.stderr);
    assertOneLine(await pipectl(['status', pipe], env), 2, /no running pipe named "cli-pipe"/);
  });

  it('refuses an unknown status name', async () => {
    const r = await pipectl(['wait', pipe, '--status', 'Sleeping'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must be one of Setup, Snapshot, Running/);
  });
});
