import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { registry } from './pipe-metrics.js';

/**
 * Serves /metrics: the pipes' series, then the Temporal SDK's own worker
 * metrics (task slots, polls, activity latencies), which its runtime
 * exports on an address of its own (`sdkAddress`).
 */
export async function startMetricsServer(port: number, sdkAddress: string | null, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    void (async () => {
      const ours = await registry.metrics();
      const sdk = sdkAddress ? await fetch(`http://${sdkAddress}/metrics`).then((r) => r.text(), () => '') : '';
      res.writeHead(200, { 'content-type': registry.contentType }).end(`${ours}\n${sdk}`);
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  return server;
}

/** A free address on this machine (for the SDK's exporter, which /metrics reads from). */
export async function freeLocalAddress(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `127.0.0.1:${port}`;
}
