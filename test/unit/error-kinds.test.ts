import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorKind } from '../../src/activities/error-kinds.js';

test("ClickHouse's code is read from the message or from the client's error object", () => {
  // The server's text, as chdb's own errors carry it.
  assert.equal(errorKind(new Error('Code: 60. DB::Exception: Table d.t does not exist. (UNKNOWN_TABLE)')), 'permanent');
  assert.equal(errorKind(new Error('Code: 209. DB::Exception: Timeout exceeded. (SOCKET_TIMEOUT)')), 'transient');
  // @clickhouse/client's ClickHouseError: the code apart, the message without it.
  const gone = Object.assign(new Error('Table d.t does not exist. Maybe you meant system.one?. '), { code: '60', type: 'UNKNOWN_TABLE' });
  assert.equal(errorKind(gone), 'permanent');
  const busy = Object.assign(new Error('Too many simultaneous queries.'), { code: '202', type: 'TOO_MANY_SIMULTANEOUS_QUERIES' });
  assert.equal(errorKind(busy), 'transient');
});

test('MySQL and network errors keep their kinds', () => {
  assert.equal(errorKind(Object.assign(new Error("Table 'db.t' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' })), 'definition');
  assert.equal(errorKind(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 'transient');
  assert.equal(errorKind(new Error('something else')), 'unknown');
});
