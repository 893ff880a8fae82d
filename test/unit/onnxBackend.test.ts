// The ONNX (in editor) backend against the PyTorch (serve) backend: the real onnxruntime-node and tokenizer in this
// process, the real `python -m rlstudio serve` from .venv. Greedy answers must be equal token for token and in text
// for 50 prompts (and chat turns) on builtin:tiny, on a model that answers with varied tokens (so a cache or position
// mistake shows), and on a LoRA adapter that export-onnx merges. Also: streamed text adds up to the answer, a cancelled answer stops,
// and a model whose prompts need a chat template is refused with words that say so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServeClient } from '../../extension/inference/serveClient';
import { OnnxBackend } from '../../extension/inference/onnx/onnxBackend';
import { describeFailure } from '../../extension/inference/serveClient';
import { ROOT, PYTHON, buildVariedModels, fiftyPrompts } from '../support/variedTinyModels';

const MAX_TOKENS = 16;
const env = { ...process.env, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1' };
let dir: string;
let models: { varied: string; lora: string };
let serve: ServeClient;
let onnx: OnnxBackend;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rlstudio-onnx-'));
  models = await buildVariedModels(dir);
  serve = new ServeClient(() => ({ command: PYTHON, args: ['-m', 'rlstudio', 'serve', '--threads', '1'], cwd: ROOT, env }), { timeoutMs: 300_000 });
  onnx = new OnnxBackend({
    exportRoot: path.join(dir, 'exports'), threads: 1,
    exportCommand: (checkpoint, out) => ({ command: PYTHON, args: ['-m', 'rlstudio', 'export-onnx', '--checkpoint', checkpoint, '--out', out], cwd: ROOT, env }),
  });
});

after(async () => {
  await Promise.all([serve?.dispose(), onnx?.dispose()]);
  rmSync(dir, { recursive: true, force: true });
});

for (const which of ['builtin:tiny', 'varied', 'lora'] as const) {
  test(`greedy answers of the ONNX backend equal serve's for 50 prompts (${which})`, { timeout: 300_000 }, async () => {
    const checkpoint = which === 'builtin:tiny' ? which : models[which];
    const [fromServe, fromOnnx] = await Promise.all([serve.load(which, { checkpoint, device: 'cpu', dtype: 'float32' }), onnx.load(which, { checkpoint })]);
    assert.equal(fromOnnx.kind, fromServe.kind);
    // serve counts a LoRA adapter's own weights beside its base's; the export has them merged into the base
    if (which !== 'lora') assert.equal(fromOnnx.parameters, fromServe.parameters);
    const prompts = fiftyPrompts();
    const want = [];
    for (const prompt of prompts) want.push(await serve.generate(which, { prompt, sampling: { max_tokens: MAX_TOKENS } }, () => undefined));
    const answers = new Set(want.map((w) => w.text));
    if (which !== 'builtin:tiny') assert.ok(answers.size > 10, `only ${answers.size} distinct answers: agreement would be luck`);
    for (const [i, prompt] of prompts.entries()) {
      const streamed: string[] = [];
      const got = await onnx.generate(which, { prompt, sampling: { max_tokens: MAX_TOKENS } }, (t) => streamed.push(t));
      assert.deepEqual(got.token_ids, want[i].token_ids, `prompt ${i}: ${prompt}`);
      assert.equal(got.text, want[i].text, `prompt ${i}`);
      assert.equal(got.finish_reason, want[i].finish_reason, `prompt ${i}`);
      assert.equal(streamed.join(''), got.text, `prompt ${i}: streamed pieces`);
    }
    // chat turns are rendered as training renders them without a chat template ("User: ...\nAssistant:")
    for (const prompt of prompts.slice(0, 5)) {
      const messages = [{ role: 'system', content: 'Answer briefly .' }, { role: 'user', content: prompt }];
      const [w, g] = [await serve.generate(which, { messages, sampling: { max_tokens: MAX_TOKENS } }, () => undefined),
        await onnx.generate(which, { messages, sampling: { max_tokens: MAX_TOKENS } }, () => undefined)];
      assert.deepEqual([g.prompt_tokens, g.token_ids], [w.prompt_tokens, w.token_ids], `chat: ${prompt}`);
    }
  });
}

test('sampling repeats with a seed and a cancelled answer stops between tokens', { timeout: 120_000 }, async () => {
  await onnx.load('s', { checkpoint: models.varied });
  const ask = (seed: number) => onnx.generate('s', { prompt: 'Ann has 3 apples', sampling: { max_tokens: 12, temperature: 1, top_p: 0.9, seed } }, () => undefined);
  const [a, b, c] = [await ask(7), await ask(7), await ask(8)];
  assert.deepEqual(a.token_ids, b.token_ids);
  assert.notDeepEqual(a.token_ids, c.token_ids);
  const stop = new AbortController();
  const cut = await onnx.generate('s', { prompt: 'Hi', sampling: { max_tokens: 400, temperature: 1, seed: 1 } }, () => stop.abort(), stop.signal);
  assert.equal(cut.finish_reason, 'cancelled');
  assert.equal(cut.completion_tokens, 1);
});

test('a tokenizer with a chat template, a missing export and a failed export are refused with words for the panel', { timeout: 120_000 }, async () => {
  const exported = path.join(dir, 'exports', readdirOnly(path.join(dir, 'exports'), 'varied'));
  const config = path.join(exported, 'tokenizer_config.json');
  const saved = readFileSync(config, 'utf8');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(saved), chat_template: '{{ messages }}' }));
  try {
    await onnx.load('t', { checkpoint: exported });
    const refused = await onnx.generate('t', { prompt: 'Hi' }, () => undefined).then(() => 'answered', describeFailure);
    assert.match(refused, /chat template, which the ONNX \(in editor\) backend does not run; switch rlstudio\.inference\.backend to "pytorch"/);
  } finally {
    writeFileSync(config, saved);
  }
  const noPython = new OnnxBackend({ exportRoot: path.join(dir, 'none') });
  const missing = await noPython.load('m', { checkpoint: path.join(dir, 'nothing') }).then(() => 'loaded', describeFailure);
  assert.match(missing, /has no ONNX export and no Python is set up to make one: run `python -m rlstudio export-onnx/);
  const failed = await onnx.load('m', { checkpoint: path.join(dir, 'nothing') }).then(() => 'loaded', describeFailure);
  assert.match(failed, /^Exporting .*nothing to ONNX failed \(exit 2\):\n[^]*no such checkpoint/);
});

function readdirOnly(folder: string, prefix: string): string {
  const found = require('node:fs').readdirSync(folder).filter((n: string) => n.startsWith(`${prefix}-`));
  assert.equal(found.length, 1, `one export of ${prefix} in ${folder}`);
  return found[0];
}
