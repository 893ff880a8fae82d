import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrainerProcess, LineSplitter } from '../../extension/trainer/trainerProcess';
import { trainerEnv } from '../../extension/trainer/commandLine';

const node = (script: string) => ({ command: process.execPath, args: ['-e', script], cwd: tmpdir(), env: trainerEnv(process.env) });

test('pipes: output lines reach the sink; progress redraws collapse', async () => {
  const lines: string[] = [];
  const p = new TrainerProcess(node('process.stdout.write("a\\n 10%\\r 50%\\r100%\\nb"); console.error("err " + process.env.PYTHONUTF8)'),
    { onLine: (l, s) => lines.push(`${s}:${l}`) });
  const exit = await p.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(lines.filter((l) => l.startsWith('stdout')), ['stdout:a', 'stdout:100%', 'stdout:b']);
  assert.deepEqual(lines.filter((l) => l.startsWith('stderr')), ['stderr:err 1']);
});

test('output file: lines are tailed from it (earlier content skipped), and the child never holds a pipe', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-proc-'));
  try {
    const outputFile = path.join(dir, 'process-output.log');
    writeFileSync(outputFile, 'from an earlier process\n');
    const lines: string[] = [];
    const p = new TrainerProcess(node('const fs = require("fs"); console.log("a"); setTimeout(() => { console.error("pipe? " + fs.fstatSync(1).isFIFO()); process.stdout.write("5%\\r100%\\nlast"); }, 400)'),
      { outputFile, onLine: (l) => lines.push(l) });
    assert.equal((await p.exited).code, 0);
    assert.deepEqual(lines, ['a', 'pipe? false', '100%', 'last']);
    assert.match(readFileSync(outputFile, 'utf8'), /^from an earlier process\na\npipe\? false\n5%\r100%\nlast$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop sends SIGINT first: a trainer that handles it exits on its own terms', async () => {
  const lines: string[] = [];
  const p = new TrainerProcess(node('process.on("SIGINT", () => { console.log("saving checkpoint"); process.exit(0); }); console.log("ready"); setInterval(() => {}, 1000)'),
    { onLine: (l) => lines.push(l) });
  while (!lines.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  const exit = await p.stop(5000);
  assert.equal(exit.code, 0);
  assert.deepEqual(lines, ['ready', 'saving checkpoint']);
});

test('stop escalates to SIGTERM, then SIGKILL, when SIGINT and SIGTERM are ignored', async () => {
  const lines: string[] = [];
  const p = new TrainerProcess(node('process.on("SIGINT", () => console.log("int")); process.on("SIGTERM", () => console.log("term")); console.log("ready"); setInterval(() => {}, 1000)'),
    { onLine: (l) => lines.push(l) });
  while (!lines.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  const exit = await p.stop(300);
  assert.equal(exit.signal, 'SIGKILL');
  assert.deepEqual(lines, ['ready', 'int', 'term']);
  assert.ok(Date.now() - t0 >= 550);
});

test('a missing interpreter is a spawn error, not a crash', async () => {
  const p = new TrainerProcess({ command: '/nonexistent/python', args: [], cwd: tmpdir(), env: {} });
  const exit = await p.exited;
  assert.match(exit.spawnError?.message ?? '', /ENOENT/);
});

test('LineSplitter keeps a line split across chunks', () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  s.push('ab');
  s.push('c\r\nd');
  s.flush();
  assert.deepEqual(out, ['abc', 'd']);
});
