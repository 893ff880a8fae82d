// The process seam with real processes: arguments reach the child intact, lines split across chunks, cancellation
// escalates to SIGKILL and reaches the grandchildren.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildLines, runProcess } from '../../extension/python/childProcess';

const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: ['-e', script, ...args] });
const isAlive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('arguments with spaces and quotes arrive as given (no shell); env and lines per stream', async () => {
  const lines: string[] = [];
  const r = await runProcess({ ...node('console.log(JSON.stringify(process.argv.slice(1))); process.stdout.write("par"); setTimeout(() => { process.stdout.write("tial\\nend"); console.error("E=" + process.env.E); }, 50)',
    'a b', '"q"', '$(x)'), env: { ...process.env, E: 'set' } }, { onLine: (l, s) => lines.push(`${s}:${l}`) });
  assert.equal(r.code, 0);
  assert.deepEqual(lines.filter((l) => l.startsWith('stdout')), ['stdout:["a b","\\"q\\"","$(x)"]', 'stdout:partial', 'stdout:end']);
  assert.deepEqual(lines.filter((l) => l.startsWith('stderr')), ['stderr:E=set']);
  assert.equal(r.tail.length, 4);
});

test('cancel: SIGTERM first, SIGKILL for a process that ignores it, and the process group goes too', async () => {
  const child = new ChildLines(node(`
    process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    const g = require('child_process').spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log('grandchild ' + g.pid);
    setInterval(() => {}, 1000);`), { onLine: (l) => lines.push(l) });
  const lines: string[] = [];
  while (!lines.some((l) => l.startsWith('grandchild'))) await new Promise((r) => setTimeout(r, 20));
  const grandchild = Number(lines.find((l) => l.startsWith('grandchild'))!.split(' ')[1]);
  const exit = await child.cancel(300);
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(lines.includes('ignoring SIGTERM'));
  for (let i = 0; i < 50 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isAlive(grandchild), false);
});

test('runProcess: an abort signal cancels; a missing program is a spawn error', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await runProcess(node('setInterval(() => {}, 1000)'), { signal: ac.signal });
  assert.equal(r.cancelled, true);
  assert.equal(r.signal, 'SIGTERM');
  const missing = await runProcess({ command: '/nonexistent/python3', args: ['-V'] });
  assert.match(missing.spawnError?.message ?? '', /ENOENT/);
});
