import { parentPort, workerData } from 'node:worker_threads';
import { BinlogReader, type BinlogReaderOptions } from '../mysql/binlog-reader.js';
import { ChangeEncoder } from './change-encoder.js';
import { sourcesOf, WireWriter, type ControlMessage, type ThreadMessage } from './change-wire.js';
import { toWireError } from './wire-error.js';

/**
 * The binlog thread: reads and decodes the binlog and encodes each change's
 * destination rows, beside the activity's thread (which gathers batches and
 * writes them). Decoding and encoding were two thirds of that thread's CDC
 * time, with the garbage they make.
 */

/** Numbers in a message before it goes without waiting for the turn's end (bounds latency and message size). */
const MAX_NUMBERS = 64 * 1024;

const port = parentPort!;
const options = (workerData as { options: BinlogReaderOptions }).options;
const send = (message: ThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const wire = new WireWriter(sourcesOf(options.targets));
let lastEventAt = Date.now();
let scheduled = false;

/** Sends the items so far with the bytes their rows are in (both transferred, not copied). */
const flush = (bytes: Buffer = encoder.take()) => {
  scheduled = false;
  const message = wire.take();
  const transfer = [message.nums, bytes].filter((a) => a.length > 0).map((a) => a.buffer as ArrayBuffer);
  send({ type: 'items', ...message, bytes, at: lastEventAt }, transfer);
};
// A full slab goes with the items whose rows it holds.
const encoder = new ChangeEncoder(options.targets, (used) => flush(used));

const reader = new BinlogReader(
  options,
  (item) => {
    if (item.kind === 'change') {
      const encoded = encoder.encode(item);
      if (encoded) wire.change(encoded);
    } else {
      wire.item(item);
    }
    if (wire.n >= MAX_NUMBERS) flush();
  },
  (err) => {
    flush();
    send({ type: 'error', error: toWireError(err) });
  },
  () => {
    lastEventAt = Date.now();
    // Once the events of this turn (a socket read) are in.
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  },
);

port.on('message', (m: ControlMessage) => {
  if (m.type === 'pause') reader.pause();
  else if (m.type === 'resume') reader.resume();
  else
    void reader.stop().then(() => {
      send({ type: 'stopped' });
      port.close();
    });
});
reader.start();
