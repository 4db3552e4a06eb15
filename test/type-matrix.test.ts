import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { qualifiedChTable, quoteChIdent } from '../src/clickhouse/quote.js';
import { createSourceConnector, withSource } from '../src/mysql/source-connector.js';
import { readTableSchema } from '../src/mysql/schema-reader.js';
import { readPage } from '../src/mysql/chunk-reader.js';
import { InsertBody } from '../src/clickhouse/insert-body.js';
import { encodeRow } from '../src/clickhouse/row-encoder.js';
import { packetRows } from '../src/activities/packet-rows.js';
import { LOCAL_SOURCE_PASSWORD } from '../scripts/stack/mariadb.js';
import { sourceConnectionOptions } from '../src/mysql/connection-options.js';
import { readBinlogPosition } from '../src/mysql/binlog-position.js';
import { BinlogReader, type RowChange } from '../src/mysql/binlog-reader.js';
import { ImageRow } from '../src/mysql/row-image.js';
import { ImageRowWriter } from '../src/cdc/image-rows.js';
import { ChangeEncoder, type EncodedChange } from '../src/cdc/change-encoder.js';

/**
 * Every MySQL/MariaDB type the README's type table lists, filled with edge
 * values, arrives as the expected ClickHouse value — by the initial load and,
 * for the same values written again under new keys, by CDC — and survives
 * UPDATE and DELETE.
 *
 * Each column lists, per edge row, the SQL that writes the value and the
 * ClickHouse value expected (as toString(), or hex() for bytes; null = NULL).
 */
interface Column {
  name: string;
  type: string;
  /** How the destination value is read as text. */
  read?: 'hex';
  rows: [sql: string, expected: string | null][];
}

const MIB16 = 16 * 1024 * 1024;
const EMOJI_255 = '😀'.repeat(255);
const LATIN1 = 'Ça coûte 5 € — naïve';
const ESCAPES = "quote ' backslash \\ tab \t newline \n NUL \0 end";

const columns: Column[] = [
  { name: 'ti', type: 'TINYINT', rows: [['-128', '-128'], ['127', '127'], ['0', '0'], ['NULL', null], ['-1', '-1']] },
  { name: 'tiu', type: 'TINYINT UNSIGNED', rows: [['0', '0'], ['255', '255'], ['0', '0'], ['NULL', null], ['1', '1']] },
  { name: 'bo', type: 'BOOL', rows: [['0', '0'], ['1', '1'], ['-128', '-128'], ['NULL', null], ['127', '127']] },
  { name: 'si', type: 'SMALLINT', rows: [['-32768', '-32768'], ['32767', '32767'], ['0', '0'], ['NULL', null], ['-2', '-2']] },
  { name: 'siu', type: 'SMALLINT UNSIGNED', rows: [['0', '0'], ['65535', '65535'], ['0', '0'], ['NULL', null], ['2', '2']] },
  { name: 'mi', type: 'MEDIUMINT', rows: [['-8388608', '-8388608'], ['8388607', '8388607'], ['0', '0'], ['NULL', null], ['3', '3']] },
  { name: 'miu', type: 'MEDIUMINT UNSIGNED', rows: [['0', '0'], ['16777215', '16777215'], ['0', '0'], ['NULL', null], ['3', '3']] },
  { name: 'i', type: 'INT', rows: [['-2147483648', '-2147483648'], ['2147483647', '2147483647'], ['0', '0'], ['NULL', null], ['4', '4']] },
  { name: 'inn', type: 'INT NOT NULL', rows: [['-2147483648', '-2147483648'], ['2147483647', '2147483647'], ['0', '0'], ['-1', '-1'], ['4', '4']] },
  { name: 'iu', type: 'INT UNSIGNED', rows: [['0', '0'], ['4294967295', '4294967295'], ['0', '0'], ['NULL', null], ['4', '4']] },
  {
    name: 'bi',
    type: 'BIGINT',
    rows: [['-9223372036854775808', '-9223372036854775808'], ['9223372036854775807', '9223372036854775807'], ['0', '0'], ['NULL', null], ['9007199254740993', '9007199254740993']],
  },
  {
    name: 'biu',
    type: 'BIGINT UNSIGNED',
    rows: [['0', '0'], ['18446744073709551615', '18446744073709551615'], ['0', '0'], ['NULL', null], ['9007199254740993', '9007199254740993']],
  },
  {
    name: 'd65',
    type: 'DECIMAL(65,30)',
    rows: [
      ['-99999999999999999999999999999999999.999999999999999999999999999999', '-99999999999999999999999999999999999.999999999999999999999999999999'],
      ['99999999999999999999999999999999999.999999999999999999999999999999', '99999999999999999999999999999999999.999999999999999999999999999999'],
      ['0', '0'],
      ['NULL', null],
      ['12345678901234567890123456789012345.123456789012345678901234567891', '12345678901234567890123456789012345.123456789012345678901234567891'],
    ],
  },
  { name: 'd', type: 'DECIMAL(12,2) UNSIGNED', rows: [['0.01', '0.01'], ['9999999999.99', '9999999999.99'], ['0', '0'], ['NULL', null], ['1.10', '1.1']] },
  { name: 'f', type: 'FLOAT', rows: [['-3.40282e38', '-3.40282e38'], ['3.40282e38', '3.40282e38'], ['0', '0'], ['NULL', null], ['0.1', '0.1']] },
  // Values 6 significant digits cannot hold: FLT_MAX, 2^24 + 1 (stored as 2^24), 0.12345678, FLT_MIN.
  {
    name: 'f7',
    type: 'FLOAT',
    rows: [['3.4028234e38', '3.4028235e38'], ['16777217', '16777216'], ['0.12345678', '0.12345678'], ['NULL', null], ['-1.17549435e-38', '-1.1754944e-38']],
  },
  {
    name: 'db',
    type: 'DOUBLE',
    rows: [['-1.7976931348623157e308', '-1.7976931348623157e308'], ['1.7976931348623157e308', '1.7976931348623157e308'], ['0', '0'], ['NULL', null], ['2.2250738585072014e-308', '2.2250738585072014e-308']],
  },
  { name: 'b1', type: 'BIT(1)', rows: [["b'0'", '0'], ["b'1'", '1'], ["b'0'", '0'], ['NULL', null], ["b'1'", '1']] },
  { name: 'b64', type: 'BIT(64)', rows: [["b'0'", '0'], ['0xFFFFFFFFFFFFFFFF', '18446744073709551615'], ["b'0'", '0'], ['NULL', null], ['0x8000000000000001', '9223372036854775809']] },
  { name: 'c', type: 'CHAR(10)', rows: [["''", ''], ["'ten chars!'", 'ten chars!'], ["'a  '", 'a'], ['NULL', null], ["'ÿ😀'", 'ÿ😀']] },
  { name: 'vc', type: 'VARCHAR(255)', rows: [["''", ''], [`'${EMOJI_255}'`, EMOJI_255], ["' '", ' '], ['NULL', null], ['?', ESCAPES]] },
  { name: 'tx', type: 'TEXT', rows: [["''", ''], ["'emoji 😀 and 𝄞 and 中文'", 'emoji 😀 and 𝄞 and 中文'], ["'\\r\\n'", '\r\n'], ['NULL', null], ['?', ESCAPES]] },
  // NOT NULL columns: validation's source side skips their NULL tests (and takes utf8mb4 text as its bytes).
  { name: 'vcn', type: 'VARCHAR(64) NOT NULL', rows: [["''", ''], ["'😀 ü'", '😀 ü'], ["' '", ' '], ["'x'", 'x'], ['?', ESCAPES]] },
  { name: 'l1', type: 'VARCHAR(40) CHARACTER SET latin1', rows: [["''", ''], ['?', LATIN1], ["'ÿ'", 'ÿ'], ['NULL', null], ["'abc'", 'abc']] },
  { name: 'l1t', type: 'TEXT CHARACTER SET latin1', rows: [["''", ''], ['?', LATIN1], ["'Ü'", 'Ü'], ['NULL', null], ['?', ESCAPES]] },
  { name: 'bn', type: 'BINARY(4)', read: 'hex', rows: [['0x00', '00000000'], ['0xFFFFFFFF', 'FFFFFFFF'], ["''", '00000000'], ['NULL', null], ['0x5C27', '5C270000']] },
  { name: 'vb', type: 'VARBINARY(16)', read: 'hex', rows: [["''", ''], ['0x00FF7F80275C0A0D090022E282AC', '00FF7F80275C0A0D090022E282AC'], ['0x00', '00'], ['NULL', null], ['0xC328', 'C328']] },
  // The 16 MiB value is checked by length and MD5 below.
  { name: 'bl', type: 'LONGBLOB', read: 'hex', rows: [["''", ''], [`REPEAT(0x00FF275C, ${MIB16 / 4})`, 'big'], ['0x00', '00'], ['NULL', null], ['0xFFFE', 'FFFE']] },
  { name: 'dt', type: 'DATE', rows: [["'1000-01-01'", '1900-01-01'], ["'9999-12-31'", '2299-12-31'], ["'0000-00-00'", null], ['NULL', null], ["'2024-02-29'", '2024-02-29']] },
  {
    name: 'dtn',
    type: 'DATE NOT NULL',
    rows: [["'1900-01-01'", '1900-01-01'], ["'2299-12-31'", '2299-12-31'], ["'0000-00-00'", '1970-01-01'], ["'1970-01-01'", '1970-01-01'], ["'2024-00-00'", '1970-01-01']],
  },
  {
    name: 'dtm',
    type: 'DATETIME',
    rows: [["'1000-01-01 00:00:00'", '1000-01-01 00:00:00'], ["'9999-12-31 23:59:59'", '9999-12-31 23:59:59'], ["'0000-00-00 00:00:00'", null], ['NULL', null], ["'2024-02-29 12:34:56'", '2024-02-29 12:34:56']],
  },
  {
    name: 'dtm6',
    type: 'DATETIME(6)',
    rows: [
      ["'1000-01-01 00:00:00.000000'", '1000-01-01 00:00:00.000000'],
      ["'9999-12-31 23:59:59.999999'", '9999-12-31 23:59:59.999999'],
      ["'2000-01-01 00:00:00.000001'", '2000-01-01 00:00:00.000001'],
      ['NULL', null],
      ["'2024-02-29 12:34:56.123456'", '2024-02-29 12:34:56.123456'],
    ],
  },
  // Days past the month's end, stored under ALLOW_INVALID_DATES: no ClickHouse counterpart (never the next month's days).
  { name: 'dti', type: 'DATE', rows: [["'2024-02-30'", null], ["'2023-02-29'", null], ["'2024-02-29'", '2024-02-29'], ['NULL', null], ["'2024-04-31'", null]] },
  {
    name: 'dtmi',
    type: 'DATETIME(3)',
    rows: [
      ["'2024-02-31 10:00:00.000'", null],
      ["'2024-03-01 00:00:00.000'", '2024-03-01 00:00:00.000'],
      ["'2024-06-31 12:00:00.500'", null],
      ['NULL', null],
      ["'2024-11-31 23:59:59.999'", null],
    ],
  },
  {
    name: 'ts',
    type: 'TIMESTAMP NULL',
    rows: [["'1970-01-01 00:00:01'", '1970-01-01 00:00:01'], ["'2038-01-19 03:14:07'", '2038-01-19 03:14:07'], ["'0000-00-00 00:00:00'", null], ['NULL', null], ["'2024-02-29 12:34:56'", '2024-02-29 12:34:56']],
  },
  {
    name: 'ts3',
    type: 'TIMESTAMP(3) NULL',
    rows: [["'1970-01-01 00:00:01.000'", '1970-01-01 00:00:01.000'], ["'2038-01-19 03:14:07.999'", '2038-01-19 03:14:07.999'], ["'2001-02-03 04:05:06.007'", '2001-02-03 04:05:06.007'], ['NULL', null], ["'2024-02-29 12:34:56.5'", '2024-02-29 12:34:56.500']],
  },
  { name: 'tm', type: 'TIME', rows: [["'-838:59:59'", '-838:59:59'], ["'838:59:59'", '838:59:59'], ["'00:00:00'", '00:00:00'], ['NULL', null], ["'-00:00:01'", '-00:00:01']] },
  {
    name: 'tm6',
    type: 'TIME(6)',
    rows: [["'-838:59:59.000000'", '-838:59:59.000000'], ["'838:59:59.000000'", '838:59:59.000000'], ["'-00:00:00.000001'", '-00:00:00.000001'], ['NULL', null], ["'25:00:00.5'", '25:00:00.500000']],
  },
  { name: 'y', type: 'YEAR', rows: [['1901', '1901'], ['2155', '2155'], ['0', '0'], ['NULL', null], ['2024', '2024']] },
  {
    name: 'j',
    type: 'JSON',
    rows: [["'[]'", '[]'], [`'{"k": [1, 2.50, "x", null, true], "nested": {"a": "😀"}, "big": 18446744073709551615}'`, '{"k": [1, 2.50, "x", null, true], "nested": {"a": "😀"}, "big": 18446744073709551615}'], ["'null'", 'null'], ['NULL', null], ['\'{"q": "it\\\'s"}\'', '{"q": "it\'s"}']],
  },
  { name: 'e', type: "ENUM('small','medium','large','😀')", rows: [["'small'", 'small'], ["'😀'", '😀'], ["''", ''], ['NULL', null], ["'medium'", 'medium']] },
  { name: 's', type: "SET('a','b','c')", rows: [["''", ''], ["'a,b,c'", 'a,b,c'], ["'b'", 'b'], ['NULL', null], ["'c,a'", 'a,c']] },
  {
    name: 'g',
    type: 'GEOMETRY',
    read: 'hex',
    rows: [
      ["ST_GeomFromText('POINT(1 2)')", '000000000101000000000000000000F03F0000000000000040'],
      ["ST_GeomFromText('LINESTRING(0 0, 1.5 -2)', 4326)", 'E610000001020000000200000000000000000000000000000000000000000000000000F83F00000000000000C0'],
      ["ST_GeomFromText('MULTIPOINT(0 0, 1 1)')", '000000000104000000020000000101000000000000000000000000000000000000000101000000000000000000F03F000000000000F03F'],
      ['NULL', null],
      ["ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))')", '000000000103000000010000000400000000000000000000000000000000000000000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000'],
    ],
  },
  {
    name: 'u',
    type: 'UUID',
    rows: [
      ["'00000000-0000-0000-0000-000000000000'", '00000000-0000-0000-0000-000000000000'],
      ["'ffffffff-ffff-ffff-ffff-ffffffffffff'", 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
      ["'123e4567-e89b-12d3-a456-426614174000'", '123e4567-e89b-12d3-a456-426614174000'],
      ['NULL', null],
      ["'01890a5d-ac96-774b-bcce-b302099a8057'", '01890a5d-ac96-774b-bcce-b302099a8057'],
    ],
  },
  { name: 'i6', type: 'INET6', rows: [["'::'", '::'], ["'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'", 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ["'::ffff:1.2.3.4'", '::ffff:1.2.3.4'], ['NULL', null], ["'2001:db8::1'", '2001:db8::1']] },
  { name: 'i4', type: 'INET4', rows: [["'0.0.0.0'", '0.0.0.0'], ["'255.255.255.255'", '255.255.255.255'], ["'10.0.0.1'", '10.0.0.1'], ['NULL', null], ["'192.168.1.1'", '192.168.1.1']] },
];

const ROWS = 5;
/** CDC copies of the edge rows have this key offset. */
const CDC = 1000;

/** A row's values as SQL, with the bound values for the '?' placeholders. */
function rowSql(r: number): { sql: string; params: string[] } {
  const params: string[] = [];
  const values = columns.map((c) => {
    const [sql, expected] = c.rows[r]!;
    if (sql === '?') params.push(expected!);
    return sql;
  });
  return { sql: `(${r + 1}, ${values.join(', ')})`, params };
}

const readExpr = (c: Column) => (c.read === 'hex' ? `hex(${quoteChIdent(c.name)})` : `toString(${quoteChIdent(c.name)})`);

/**
 * Columns ClickHouse's own MySQL reader converts differently: odd dates (those
 * rows are streamed) and floats (those tables are streamed).
 */
const NOT_PULLABLE = new Set(['dt', 'dtn', 'dtm', 'dtm6', 'dti', 'dtmi', 'ts', 'f', 'f7', 'db']);
const PULLABLE = columns.filter((c) => !NOT_PULLABLE.has(c.name));
/** The dates, odd ones included: in pull mode each row is pulled, and written again by streaming where a date was odd. */
const DATED = columns.filter((c) => ['dt', 'dtn', 'dtm', 'dtm6', 'dti', 'dtmi', 'ts'].includes(c.name));
/**
 * Without the columns mysql2 gives as numbers or objects (floats, BIT, UUID,
 * INET): a streamed load writes its rows from their packets' bytes.
 */
const PACKET_READ = columns.filter((c) => !['f', 'f7', 'db', 'b1', 'b64', 'u', 'i6', 'i4'].includes(c.name));
/** Of the types CDC writes from the binlog's row images (see src/mysql/row-image.ts): all but CHAR, latin1, TIME, YEAR, TIMESTAMP, ENUM/SET… */
const IMAGE_READ = columns.filter((c) => /^(TINYINT|BOOL|SMALLINT|MEDIUMINT|INT|BIGINT|DECIMAL|DATE|DATETIME|VARCHAR|TEXT|VARBINARY|LONGBLOB|JSON)\b/.test(c.type) && !/latin1/.test(c.type));

/** Each row of each change as bytes, with its keys: what a batch takes from the encoder. */
function encodedRows(e: EncodedChange | null): string[] {
  return (e?.rows ?? []).map((r) => JSON.stringify([r.key, r.moved, e!.bytes.toString('hex', r.movedStart, r.movedEnd), e!.bytes.toString('hex', r.start, r.end), r.error?.message ?? null]));
}

for (const loadMode of ['stream', 'pull'] as const) describe(`type matrix (${loadMode} load mode): every type, by the initial load and by CDC`, () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'types';
  const dst = () => `dst_${world.id}`;

  /** The destination's rows (FINAL), each column as text, by key. */
  async function destinationRows(where = '1', table = 'types', cols = columns): Promise<Map<number, (string | null)[]>> {
    const rows = await world.destination().query<{ id: number; v: (string | null)[] }>(
      `SELECT id, [${cols.map((c) => (c.name === 'bl' ? `if(length(bl) > 1000, 'big', hex(bl))` : readExpr(c))).join(', ')}] AS v ` +
        `FROM ${qualifiedChTable(dst(), table)} FINAL WHERE ${where} ORDER BY id`,
    );
    return new Map(rows.map((r) => [Number(r.id), r.v]));
  }

  function assertRow(got: (string | null)[] | undefined, sourceRow: number, label: string, cols = columns) {
    assert.ok(got, `${label}: row missing`);
    const diffs = cols
      .map((c, i) => ({ c, want: c.rows[sourceRow]![1], have: got[i] }))
      .filter((d) => d.want !== d.have)
      .map((d) => `${d.c.name} (${d.c.type}): expected ${JSON.stringify(d.want)}, got ${JSON.stringify(d.have)}`);
    assert.deepEqual(diffs, [], `${label}:\n${diffs.join('\n')}`);
  }

  before(async () => {
    world = await TestWorld.create(`types_${loadMode}`);
    await world.root.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'"); // zero dates, days past the month's end and '' in ENUM allowed
    await world.root.query(`CREATE TABLE types (id INT PRIMARY KEY, ${columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ')})`);
    for (let r = 0; r < ROWS; r++) {
      const { sql, params } = rowSql(r);
      await world.root.query(`INSERT INTO types VALUES ${sql}`, params);
    }
    // Without floats or odd dates: pulled whole in pull mode.
    await world.root.query(`CREATE TABLE types_pullable (id INT PRIMARY KEY) SELECT id, ${PULLABLE.map((c) => `\`${c.name}\``).join(', ')} FROM types`);
    await world.root.query(`CREATE TABLE types_dates (id INT PRIMARY KEY) SELECT id, ${DATED.map((c) => `\`${c.name}\``).join(', ')} FROM types`);
    await world.root.query(`CREATE TABLE types_packets (id INT PRIMARY KEY) SELECT id, ${PACKET_READ.map((c) => `\`${c.name}\``).join(', ')} FROM types`);
    worker = await world.startWorker();
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: dst() },
        tables: ['types', 'types_pullable', 'types_dates', 'types_packets'],
        // One row per chunk: in pull mode each row is pulled or streamed on its own.
        settings: { syncIntervalSeconds: 1, loadMode, snapshotRowsPerPartition: 1 },
      }),
    );
    const loaded = await expectStatus(world, pipe, 'Running', 120_000);
    const pulled = (t: string) => loaded.tables[t]?.initialLoad.chunksPulled ?? 0;
    if (loadMode === 'pull') {
      // A table with floats is streamed; the other is pulled row by row.
      // Of the dates' rows, only the fourth holds no odd date (its 1970-01-01 is looked up at the source and found real).
      assert.deepEqual([pulled('types'), pulled('types_pullable'), pulled('types_dates')], [0, ROWS, 1]);
    } else {
      assert.deepEqual([pulled('types'), pulled('types_pullable'), pulled('types_dates')], [0, 0, 0]);
    }
    // The same values again, written by CDC under new keys.
    await world.root.query(`INSERT INTO types SELECT id + ${CDC}, ${columns.map((c) => `\`${c.name}\``).join(', ')} FROM types WHERE id <= ${ROWS}`);
    await waitCaughtUp(world, pipe, 120_000);
  });

  it('the initial load of a table whose values ClickHouse can read itself', async () => {
    const got = await destinationRows('1', 'types_pullable', PULLABLE);
    for (let r = 0; r < ROWS; r++) assertRow(got.get(r + 1), r, `snapshot row ${r + 1}`, PULLABLE);
  });

  it('the initial load of a table without floats, BIT, UUID or INET (streamed from its row packets)', async () => {
    const got = await destinationRows('1', 'types_packets', PACKET_READ);
    for (let r = 0; r < ROWS; r++) assertRow(got.get(r + 1), r, `snapshot row ${r + 1}`, PACKET_READ);
  });

  it("row packets written straight into an insert give mysql2's rows' bytes, odd values included", async () => {
    const connector = createSourceConnector(() => LOCAL_SOURCE_PASSWORD);
    const source = world.config({ name: 'reader', destination: { database: dst() }, tables: ['types_packets'] }).source;
    await withSource(connector, source, async (conn) => {
      const schema = await readTableSchema(conn, world.sourceDb, { name: 'types_packets', excludeColumns: [] });
      const general = new InsertBody();
      const parsed = await readPage(conn, world.sourceDb, schema, null, null, ROWS + 1);
      for (const r of parsed.rows) general.add(encodeRow(schema, r, 7, false));
      const fromPackets = new InsertBody();
      const into = packetRows(schema, 7, fromPackets);
      const read = await readPage(conn, world.sourceDb, schema, null, null, ROWS + 1, into.decoder);
      into.check();
      // Taken from the packets (mysql2 built no rows), and the same key to go on from.
      assert.deepEqual([read.rows.length, read.count, read.lastKey], [0, ROWS, parsed.lastKey]);
      assert.deepEqual(fromPackets.lines(), general.lines());
      assert.ok(Buffer.concat(fromPackets.bodies()).equals(Buffer.concat(general.bodies())));
    });
  });

  it('the initial load of odd dates: what ClickHouse read otherwise is written over, and wins everywhere', async () => {
    const got = await destinationRows('1', 'types_dates', DATED);
    for (let r = 0; r < ROWS; r++) assertRow(got.get(r + 1), r, `snapshot row ${r + 1}`, DATED);
    // Without FINAL too (as validation and the soft-delete carry-over read): the highest version of each key is the right row.
    const latest = await world.destination().query<{ id: number; v: (string | null)[] }>(
      `SELECT id, argMax([${DATED.map(readExpr).join(', ')}], _peerdb_version) AS v FROM ${qualifiedChTable(dst(), 'types_dates')} GROUP BY id ORDER BY id`,
    );
    for (const { id, v } of latest) assertRow(v, Number(id) - 1, `latest version of row ${id}`, DATED);
    assert.equal(latest.length, ROWS);
  });

  /**
   * Reads the binlog the statements write into `table` and encodes each
   * change twice, from its images and from zongji's rows; returns both
   * encodings, the changes' kinds, and how many images the hot path wrote.
   */
  async function imagesAgainstZongji(table: string, statements: string[]) {
    const source = world.config({ name: 'reader', destination: { database: dst() }, tables: [table] }).source;
    const schema = await withSource(createSourceConnector(() => LOCAL_SOURCE_PASSWORD), source, (conn) =>
      readTableSchema(conn, world.sourceDb, { name: table, excludeColumns: [] }),
    );
    const from = await readBinlogPosition(world.root);
    for (const sql of statements) await world.root.query(sql);
    const end = await readBinlogPosition(world.root);
    const targets = [{ source: table, table, schema }];
    const [fromImages, fromObjects] = [new ChangeEncoder(targets), new ChangeEncoder(targets)];
    const result = { got: [] as string[][], want: [] as string[][], ops: [] as string[], images: 0, written: 0 };
    const values = (r: RowChange['before']) => (r instanceof ImageRow ? r.decode() : r);
    await new Promise<void>((resolve, reject) => {
      const reader = new BinlogReader(
        { connection: sourceConnectionOptions(source, LOCAL_SOURCE_PASSWORD), serverId: 900_000 + Math.floor(Math.random() * 90_000), database: world.sourceDb, targets, from },
        (item) => {
          // Encoded as it arrives, as the binlog thread does (zongji's decoder, which a row may fall back to, needs its connection).
          if (item.kind === 'change') {
            result.ops.push(item.op);
            for (const r of [item.before, item.after]) {
              if (r === null) continue;
              const w = r instanceof ImageRow ? ImageRowWriter.of(schema, r.layout) : null;
              assert.ok(r instanceof ImageRow && w, 'left as an image the hot path writes');
              w.read(r);
              result.images++;
              if (w.write(Buffer.alloc(w.room(r.start, r.end)), 0, '\n') >= 0) result.written++;
            }
            result.got.push(encodedRows(fromImages.encode(item)));
            result.want.push(encodedRows(fromObjects.encode({ ...item, before: values(item.before), after: values(item.after) })));
          }
          if (item.kind === 'commit' && item.position.file === end.file && item.position.pos >= end.pos) void reader.stop().then(resolve);
        },
        reject,
      );
      reader.start();
    });
    for (const [n, rows] of result.got.entries()) assert.deepEqual(rows, result.want[n], `${table}: change ${n} (${result.ops[n]})`);
    return result;
  }

  if (loadMode === 'stream') it("binlog row images written straight into rows give the bytes of zongji's rows, odd values included", async () => {
    const cols = IMAGE_READ.map((c) => `\`${c.name}\``).join(', ');
    await world.root.query(`CREATE TABLE types_images (id INT PRIMARY KEY) SELECT id, ${cols} FROM types WHERE 0`);
    const edges = await imagesAgainstZongji('types_images', [
      `INSERT INTO types_images SELECT id, ${cols} FROM types WHERE id <= ${ROWS}`,
      // Updates in place, to another key, and deletes; in one transaction and alone.
      'UPDATE types_images SET ti = IF(ti IS NULL, 0, NULL) WHERE id IN (1, 2, 5)',
      `UPDATE types_images SET id = id + ${CDC} WHERE id IN (1, 3, 4)`,
      'DELETE FROM types_images WHERE id IN (2, 1004)',
    ]);
    assert.deepEqual(['insert', 'update', 'delete'].map((op) => edges.ops.filter((o) => o === op).length), [ROWS, 6, 2]);
    // Most edge values take the general path (zero dates, integers past 2^53, bytes that are not UTF-8…); not all.
    assert.ok(edges.written > 0 && edges.written < edges.images, `${edges.written} of ${edges.images} edge rows written from their images`);

    await world.root.query(
      'CREATE TABLE plain_images (id BIGINT PRIMARY KEY, ti TINYINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, i INT NOT NULL, biu BIGINT UNSIGNED, ' +
        'd DECIMAL(12,2), dn DECIMAL(30,9), d0 DECIMAL(5,0), d5 DECIMAL(6,5), vc VARCHAR(300), tx TEXT, vb VARBINARY(20), bl BLOB, ' +
        'dt DATE, dtm DATETIME, dtm1 DATETIME(1), dtm3 DATETIME(3), dtm6 DATETIME(6), j JSON)',
    );
    const n = 'CAST(seq AS SIGNED)';
    const plain = await imagesAgainstZongji('plain_images', [
      'INSERT INTO plain_images SELECT ' +
        [
          n, `${n} % 256 - 128`, `${n} * 7 % 65536`, `IF(${n} % 7 = 0, NULL, ${n} * 7919 % 16777216 - 8388608)`, `-${n} * 1000003`, `${n} * 1000000007`,
          `(${n} * 7919 % 10000000) / 100 * IF(${n} % 2, -1, 1)`, `${n} * 1234567.891 - 100000000`, `${n} % 99999`, `(${n} % 99999) / 100000`,
          `CONCAT('ü€😀 ', ${n}, IF(${n} % 5 = 0, '\\t\\\\ \\n', ''))`, `REPEAT(MD5(${n}), ${n} % 9)`, `UNHEX(MD5(${n}))`, `IF(${n} % 3 = 0, NULL, UNHEX(REPEAT(MD5(${n}), 3)))`,
          `DATE '1901-01-01' + INTERVAL ${n} * 97 DAY`, `TIMESTAMP '2000-02-28 23:59:59' + INTERVAL ${n} * 3607 SECOND`,
          `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${n} * 100000 MICROSECOND`, `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${n} * 7001 MICROSECOND`,
          `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${n} * 7000123 MICROSECOND`, `JSON_OBJECT('n', ${n}, 's', CONCAT('"', ${n}))`,
        ].join(', ') +
        ' FROM seq_1_to_300',
      'UPDATE plain_images SET vc = CONCAT(vc, \'+\'), dtm6 = dtm6 + INTERVAL 1 MICROSECOND WHERE id % 3 = 0',
      'UPDATE plain_images SET id = id + 1000 WHERE id % 10 = 1',
      'DELETE FROM plain_images WHERE id % 10 = 2',
    ]);
    assert.deepEqual(['insert', 'update', 'delete'].map((op) => plain.ops.filter((o) => o === op).length), [300, 130, 30]);
    assert.equal(plain.written, plain.images, 'every ordinary row written from its image');
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('the initial load writes every edge value as expected', async () => {
    const got = await destinationRows(`id <= ${ROWS}`);
    for (let r = 0; r < ROWS; r++) assertRow(got.get(r + 1), r, `snapshot row ${r + 1}`);
  });

  it('CDC writes the same values, byte for byte, as the initial load', async () => {
    const got = await destinationRows(`id > ${CDC}`);
    for (let r = 0; r < ROWS; r++) assertRow(got.get(CDC + r + 1), r, `CDC row ${CDC + r + 1}`);
    // Whole-row identity (every byte of the stored values), not only the text forms compared above.
    const rowHash = `hex(MD5(toString(tuple(${columns.map((c) => quoteChIdent(c.name)).join(', ')}))))`;
    const hashes = await world.destination().query<{ id: number; h: string }>(
      `SELECT id % ${CDC} AS id, ${rowHash} AS h FROM ${qualifiedChTable(dst(), 'types')} FINAL ORDER BY id, h`,
    );
    const byRow = new Map<number, string[]>();
    for (const { id, h } of hashes) byRow.set(Number(id), [...(byRow.get(Number(id)) ?? []), h]);
    assert.equal(byRow.size, ROWS);
    for (const [id, pair] of byRow) assert.equal(new Set(pair).size, 1, `row ${id}: snapshot and CDC copies differ`);
  });

  it('keeps the 16 MiB BLOB exactly', async () => {
    const [[src]] = await world.root.query<RowDataPacket[]>('SELECT LENGTH(bl) AS n, MD5(bl) AS md5 FROM types WHERE id = 2');
    const rows = await world.destination().query<{ id: number; n: string; md5: string }>(
      `SELECT id, length(bl) AS n, lower(hex(MD5(bl))) AS md5 FROM ${qualifiedChTable(dst(), 'types')} FINAL WHERE id IN (2, ${CDC + 2}) ORDER BY id`,
    );
    assert.equal(Number(src?.n), MIB16);
    assert.deepEqual(
      rows.map((r) => [Number(r.n), r.md5]),
      [
        [MIB16, src?.md5],
        [MIB16, src?.md5],
      ],
    );
  });

  it('a resync writes every value as the initial load did', async () => {
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 120_000);
    const got = await destinationRows();
    for (let r = 0; r < ROWS; r++) {
      assertRow(got.get(r + 1), r, `resynced row ${r + 1}`);
      assertRow(got.get(CDC + r + 1), r, `resynced row ${CDC + r + 1}`);
    }
  });

  it('validates clean: every type compares equal to the source', async () => {
    const result = await world.client.validations.validate(pipe);
    for (const [table, v] of Object.entries(result.tables)) {
      assert.equal(v.differingKeys, 0, `${table}: ${JSON.stringify(v.differences)}`);
      assert.ok(v.rowsCompared >= ROWS, `${table}: ${v.rowsCompared} rows compared`);
    }
  });

  it('follows UPDATE and DELETE of every type', async () => {
    // Each CDC row takes the values of the next edge row, column by column.
    await world.root.query('CREATE TEMPORARY TABLE edge AS SELECT * FROM types WHERE id <= 5');
    await world.root.query(
      `UPDATE types t JOIN edge e ON e.id = (t.id - ${CDC}) % ${ROWS} + 1 SET ${columns.map((c) => `t.\`${c.name}\` = e.\`${c.name}\``).join(', ')} WHERE t.id > ${CDC}`,
    );
    await world.root.query(`DELETE FROM types WHERE id IN (${CDC + 1}, ${CDC + 4})`);
    await waitCaughtUp(world, pipe, 120_000);
    const got = await destinationRows(`id > ${CDC}`);
    assert.deepEqual([...got.keys()], [CDC + 2, CDC + 3, CDC + 5]);
    for (const id of [2, 3, 5]) assertRow(got.get(CDC + id), id % ROWS, `updated row ${CDC + id}`);
    const deleted = await world.destination().query<{ id: number }>(
      `SELECT id FROM ${qualifiedChTable(dst(), 'types')} WHERE _peerdb_is_deleted = 1 ORDER BY id`,
    );
    assert.deepEqual(
      deleted.map((r) => Number(r.id)),
      [CDC + 1, CDC + 4],
    );
  });
});
