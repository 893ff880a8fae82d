// The worker client against a real child process (a node script speaking JSON lines): correlation by id, timeouts
// that replace a stuck worker, a dying worker's message, cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLinesClient, WorkerError } from '../../extension/python/jsonLinesClient';
import { FAKE_WORKER } from '../support/fakeWorker';

const spec = () => ({ command: process.execPath, args: ['-e', FAKE_WORKER] });
const isAlive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function withClient(fn: (c: JsonLinesClient, log: string[]) => Promise<void>, timeoutMs = 5000): Promise<void> {
  const log: string[] = [];
  const client = new JsonLinesClient(spec, { timeoutMs, onLog: (l, s) => log.push(`${s}:${l}`) });
  try {
    await fn(client, log);
  } finally {
    await client.dispose();
  }
}

test('replies are matched to their requests by id, whatever their order', () => withClient(async (c) => {
  const slow = c.request('slow', { ms: 300 });
  const fast = c.request('echo', { x: 1 });
  const order: string[] = [];
  await Promise.all([slow.then(() => order.push('slow')), fast.then(() => order.push('fast'))]);
  assert.deepEqual(order, ['fast', 'slow']);
  assert.deepEqual((await fast).result, { x: 1 });
  assert.equal((await slow).result, 'slow');
  assert.equal(c.processStarts, 1);
}));

test('a request without a reply in time kills the stuck worker; the next request gets a fresh one', () => withClient(async (c) => {
  const first = (await c.request('pid')).result as number;
  const err = await c.request('hang', undefined, { timeoutMs: 400 }).catch((e: WorkerError) => e);
  assert.ok(err instanceof WorkerError && err.kind === 'timeout', String(err));
  assert.match(err.message, /no reply within 0\.4 s/);
  for (let i = 0; i < 50 && isAlive(first); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isAlive(first), false);
  const second = (await c.request('pid')).result as number;
  assert.notEqual(second, first);
  assert.equal(c.processStarts, 2);
}));

test('a worker that dies fails its request with its exit code and last words, and restarts on demand', () => withClient(async (c) => {
  const err = await c.request('die').catch((e: WorkerError) => e);
  assert.ok(err instanceof WorkerError && err.kind === 'exited', String(err));
  assert.match(err.message, /exited with code 3; its last output:\ndying now/);
  assert.deepEqual((await c.request('echo', 'again')).result, 'again');
}));

test('lines that are not replies go to the log, not to a request', () => withClient(async (c, log) => {
  assert.equal((await c.request('noise')).result, 'after noise');
  assert.deepEqual(log.filter((l) => l.startsWith('stdout')), ['stdout:not json', 'stdout:{"id":9999}']);
}));

test('cancelling a request stops the worker at once', () => withClient(async (c) => {
  const ac = new AbortController();
  const started = Date.now();
  const pending = c.request('slow', { ms: 10_000 }, { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  const err = await pending.catch((e: WorkerError) => e);
  assert.ok(err instanceof WorkerError && err.kind === 'cancelled', String(err));
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual((await c.request('echo', 1)).result, 1);
}));

test('an interpreter that does not exist is a clear error, not a crash', async () => {
  const client = new JsonLinesClient(() => ({ command: '/nonexistent/python3', args: [] }), { timeoutMs: 5000 });
  const err = await client.request('ping').catch((e: WorkerError) => e);
  assert.ok(err instanceof WorkerError && err.kind === 'exited', String(err));
  assert.match(err.message, /could not start: spawn \/nonexistent\/python3 ENOENT/);
  await client.dispose();
});
