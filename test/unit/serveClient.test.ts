// The editor's serve client against the real `python -m rlstudio serve` on the built-in tiny model: streamed text,
// a soft cancel that keeps the process, and a process killed mid-answer: the request fails with words that say so,
// and the next one starts a new process and loads the model again by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ServeClient, describeFailure } from '../../extension/inference/serveClient';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const spec = () => ({
  command: path.join(ROOT, '.venv', 'bin', 'python'), args: ['-m', 'rlstudio', 'serve', '--threads', '1'], cwd: ROOT,
  env: { ...process.env, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1' },
});

test('streams, cancels softly, and survives its process being killed mid-answer', { timeout: 180_000 }, async () => {
  const client = new ServeClient(spec, { timeoutMs: 120_000 });
  try {
    const loaded = await client.load('a', { checkpoint: 'builtin:tiny', device: 'cpu' });
    assert.equal(loaded.kind, 'full');
    const chunks: string[] = [];
    const answer = await client.generate('a', { prompt: 'Ann has 3 apples', sampling: { max_tokens: 6, temperature: 1, seed: 3 } },
      (t) => chunks.push(t));
    assert.equal(chunks.join(''), answer.text);
    assert.equal(answer.completion_tokens, 6);

    const stop = new AbortController();
    const pid = client.pid;
    const cancelled = await client.generate('a', { prompt: 'Hi', sampling: { max_tokens: 5000, temperature: 1, seed: 1 } },
      () => stop.abort(), stop.signal);
    assert.equal(cancelled.finish_reason, 'cancelled');
    assert.equal(client.pid, pid); // the soft cancel kept the process and its model

    let killed = false;
    const dying = client.generate('a', { prompt: 'Hi', sampling: { max_tokens: 5000, temperature: 1, seed: 2 } }, () => {
      if (!killed) { killed = true; process.kill(client.pid!, 'SIGKILL'); }
    });
    const failure = await dying.then(() => 'answered', describeFailure);
    assert.match(failure, /The inference process ended \(was ended by SIGKILL.*\)\. The next request starts a new one\./s);

    const again = await client.generate('a', { prompt: 'Ann has 3 apples', sampling: { max_tokens: 6, temperature: 1, seed: 3 } }, () => undefined);
    assert.equal(again.text, answer.text); // the model was loaded again in the new process; same seed, same answer
    assert.equal(client.processStarts, 2);
  } finally {
    await client.dispose();
  }
});
