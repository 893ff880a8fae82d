// npm run bench:inference — the PyTorch (serve) backend as the inference panel drives it: process start + checkpoint
// load, first-token latency and tokens/s of one streamed answer, and the throughput of concurrent requests (decoded
// as one batch). Reported, never asserted.
// usage: node out/test/bench/inference.bench.js [checkpoint=builtin:tiny] [max_tokens=128] [concurrent=8] [threads=1]
// threads: serve --threads (0: torch's default). On a shared 2-core machine torch's default threads make the tiny
// model about ten times slower than one thread; the bench prints which it used.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ServeClient } from '../../extension/inference/serveClient';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const [checkpoint = 'builtin:tiny', maxTokensArg = '128', concurrentArg = '8', threads = '1'] = process.argv.slice(2);
const maxTokens = Number(maxTokensArg);
const concurrent = Number(concurrentArg);
const PROMPT = 'Ann has 3 apples and gets 2 more . How many apples does Ann have now ?';

async function main(): Promise<void> {
  const client = new ServeClient(() => ({
    command: path.join(ROOT, '.venv', 'bin', 'python'), args: ['-m', 'rlstudio', 'serve', '--threads', threads], cwd: ROOT,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  }));
  try {
    let t = performance.now();
    const loaded = await client.load('m', { checkpoint });
    const startAndLoad = performance.now() - t;
    // a warm-up answer: the first forward pays for lazy initialisation inside torch
    await client.generate('m', { prompt: PROMPT, sampling: { max_tokens: 4 } }, () => undefined);
    const reload = await client.load('m2', { checkpoint });

    const rows: string[] = [];
    for (const [label, sampling] of [['greedy', { max_tokens: maxTokens }], ['sampled (T=1, top_p=0.95)', { max_tokens: maxTokens, temperature: 1, top_p: 0.95, seed: 0 }]] as const) {
      let first = 0;
      t = performance.now();
      const r = await client.generate('m', { prompt: PROMPT, sampling }, () => { first ||= performance.now() - t; });
      const total = performance.now() - t;
      rows.push(`${label.padEnd(28)} first token ${first.toFixed(1).padStart(7)} ms   ${r.completion_tokens} tokens in ${total.toFixed(0)} ms   ` +
        `${(r.completion_tokens / ((total - first) / 1000)).toFixed(1)} tokens/s after the first`);
    }
    t = performance.now();
    const all = await Promise.all(Array.from({ length: concurrent }, (_, i) =>
      client.generate('m', { prompt: `${PROMPT} ${i}`, sampling: { max_tokens: maxTokens, temperature: 1, seed: i } }, () => undefined)));
    const wall = performance.now() - t;
    const tokens = all.reduce((n, r) => n + r.completion_tokens, 0);

    console.log(`inference bench: ${checkpoint} (${loaded.kind}, ${loaded.parameters.toLocaleString('en-US')} parameters, ${loaded.device}, ${loaded.dtype}, serve --threads ${threads})`);
    console.log(`process start + load           ${startAndLoad.toFixed(0)} ms (load alone, measured by the server: ${(loaded.seconds * 1000).toFixed(0)} ms)`);
    console.log(`load into a running server     ${(reload.seconds * 1000).toFixed(0)} ms`);
    for (const row of rows) console.log(row);
    console.log(`${concurrent} concurrent requests         ${tokens} tokens in ${wall.toFixed(0)} ms = ${(tokens / (wall / 1000)).toFixed(1)} tokens/s ` +
      `(decoded in batches of up to ${Math.max(...all.map((r) => r.batch_size))})`);
    console.log('ONNX (in editor) backend: not built yet (see README)');
  } finally {
    await client.dispose();
  }
}

void main().catch((e: Error) => { console.error(e.message); process.exit(1); });
