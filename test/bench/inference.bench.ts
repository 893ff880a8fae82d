// npm run bench:inference — both inference backends as the panel drives them, measured in the same run: the PyTorch
// (serve) process and ONNX in this process (onnxruntime-node). Greedy answers alternate between the backends for
// `rounds` rounds and the medians are compared (first-token latency, tokens/s after the first token, ONNX / PyTorch).
// Also what loading costs: process start + load, a load into the running server, a LoRA adapter on its base (serve),
// the one-time export-onnx of a checkpoint and of a LoRA adapter (merged), and opening an existing export.
// Reported, never asserted.
// usage: node out/test/bench/inference.bench.js [checkpoint=builtin:tiny] [max_tokens=128] [rounds=5] [threads=1] [concurrent=8]
// threads: serve --threads and onnxruntime's intra-op threads (0: each library's default). On a shared 2-core
// machine torch's default threads make the tiny model about ten times slower than one thread.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ServeClient } from '../../extension/inference/serveClient';
import { OnnxBackend } from '../../extension/inference/onnx/onnxBackend';
import type { InferenceBackend } from '../../extension/inference/backend';
import { ROOT, PYTHON, buildVariedModels } from '../support/variedTinyModels';

const [checkpoint = 'builtin:tiny', maxTokensArg = '128', roundsArg = '5', threads = '1', concurrentArg = '8'] = process.argv.slice(2);
const concurrent = Number(concurrentArg);
const maxTokens = Number(maxTokensArg);
const rounds = Number(roundsArg);
const PROMPT = 'Ann has 3 apples and gets 2 more . How many apples does Ann have now ?';
const env = { ...process.env, PYTHONUNBUFFERED: '1' };

interface Answer { firstMs: number; tokensPerSecond: number; tokens: number }

async function answer(backend: InferenceBackend, model: string): Promise<Answer> {
  let first = 0;
  const t = performance.now();
  const r = await backend.generate(model, { prompt: PROMPT, sampling: { max_tokens: maxTokens } }, () => { first ||= performance.now() - t; });
  const total = performance.now() - t;
  return { firstMs: first, tokensPerSecond: (r.completion_tokens - 1) / ((total - first) / 1000), tokens: r.completion_tokens };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

/** tokens/s of `concurrent` sampled requests at once (serve decodes them as one batch; ONNX runs each on its own). */
async function together(backend: InferenceBackend): Promise<number> {
  const t = performance.now();
  const all = await Promise.all(Array.from({ length: concurrent }, (_, i) =>
    backend.generate('m', { prompt: `${PROMPT} ${i}`, sampling: { max_tokens: maxTokens, temperature: 1, seed: i } }, () => undefined)));
  return all.reduce((n, r) => n + r.completion_tokens, 0) / ((performance.now() - t) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlstudio-bench-inference-'));
  const serve = new ServeClient(() => ({ command: PYTHON, args: ['-m', 'rlstudio', 'serve', '--threads', threads], cwd: ROOT, env }));
  const onnx = new OnnxBackend({
    exportRoot: path.join(dir, 'exports'), threads: Number(threads),
    exportCommand: (c, out) => ({ command: PYTHON, args: ['-m', 'rlstudio', 'export-onnx', '--checkpoint', c, '--out', out], cwd: ROOT, env }),
  });
  try {
    const { lora } = await buildVariedModels(dir);
    const [loaded, startAndLoad] = await timed(() => serve.load('m', { checkpoint }));
    const reload = await serve.load('m2', { checkpoint });
    const loraServe = await serve.load('lora', { checkpoint: lora });
    const [, exportAndOpen] = await timed(() => onnx.load('m', { checkpoint }));
    const [, reopen] = await timed(() => onnx.load('m2', { checkpoint }));
    const [, loraExport] = await timed(() => onnx.load('lora', { checkpoint: lora }));
    const [, loraReopen] = await timed(() => onnx.load('lora2', { checkpoint: lora }));
    // warm-up answers: the first forward pays for lazy initialisation in torch and in onnxruntime
    await answer(serve, 'm');
    await answer(onnx, 'm');
    const runs: Record<'pytorch' | 'onnx', Answer[]> = { pytorch: [], onnx: [] };
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? [onnx, serve] : [serve, onnx];
      for (const backend of order) runs[backend.id].push(await answer(backend, 'm'));
    }
    const row = (id: 'pytorch' | 'onnx') => ({
      first: median(runs[id].map((a) => a.firstMs)), rate: median(runs[id].map((a) => a.tokensPerSecond)), tokens: runs[id][0].tokens,
    });
    const [p, o] = [row('pytorch'), row('onnx')];
    const [pTogether, oTogether] = [await together(serve), await together(onnx)];

    console.log(`inference bench: ${checkpoint} (${loaded.kind}, ${loaded.parameters.toLocaleString('en-US')} parameters, CPU, ${threads === '0' ? 'default' : threads} thread(s) each)`);
    console.log(`greedy, ${maxTokens} tokens max, medians of ${rounds} alternating rounds:`);
    console.log(`  PyTorch (serve)   first token ${p.first.toFixed(1).padStart(7)} ms   ${p.rate.toFixed(1).padStart(8)} tokens/s after it (${p.tokens} tokens)`);
    console.log(`  ONNX (in editor)  first token ${o.first.toFixed(1).padStart(7)} ms   ${o.rate.toFixed(1).padStart(8)} tokens/s after it (${o.tokens} tokens)`);
    console.log(`  ONNX / PyTorch    first token ${(o.first / p.first).toFixed(2)}x the time   tokens/s ${(o.rate / p.rate).toFixed(2)}x`);
    console.log(`${concurrent} concurrent sampled requests: PyTorch ${pTogether.toFixed(1)} tokens/s, ONNX ${oTogether.toFixed(1)} tokens/s (${(oTogether / pTogether).toFixed(2)}x)`);
    console.log('loading:');
    console.log(`  serve: process start + load ${startAndLoad.toFixed(0)} ms (load alone ${(loaded.seconds * 1000).toFixed(0)} ms); load into the running server ${(reload.seconds * 1000).toFixed(0)} ms`);
    console.log(`  serve: LoRA adapter on its base (the varied tiny model) ${(loraServe.seconds * 1000).toFixed(0)} ms`);
    console.log(`  ONNX: first load = export-onnx (a Python process) + open ${exportAndOpen.toFixed(0)} ms; open the existing export ${reopen.toFixed(0)} ms`);
    console.log(`  ONNX: LoRA adapter, export with merge + open ${loraExport.toFixed(0)} ms; open the existing export ${loraReopen.toFixed(0)} ms`);
  } finally {
    await Promise.all([serve.dispose(), onnx.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: Error) => { console.error(e.message); process.exit(1); });
