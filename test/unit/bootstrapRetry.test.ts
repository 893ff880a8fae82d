// The bootstrap's registry steps: a transient failure is retried, and one that persists is named (command and exit
// code) after its own output, never swallowed. Runs scripts/retry.sh in a real bash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RETRY = path.resolve(__dirname, '../../../scripts/retry.sh');

function bash(script: string): { code: number | null; out: string } {
  const r = spawnSync('bash', ['-c', `. "${RETRY}"; ${script}`], { encoding: 'utf8', env: { ...process.env, RLSTUDIO_RETRY_DELAY: '0' } });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('a step that fails twice and then succeeds is retried and passes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-retry-'));
  try {
    const counter = path.join(dir, 'n');
    const flaky = `n=$(cat "${counter}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${counter}"; echo "registry said ECONNRESET ($n)"; [ $n -ge 3 ]`;
    const { code, out } = bash(`retry sh -c '${flaky}'`);
    assert.equal(code, 0, out);
    assert.match(out, /registry said ECONNRESET \(1\)/);
    assert.match(out, /attempt 1 of 3 failed \(exit 1\): sh -c/);
    assert.match(out, /attempt 2 of 3 failed/);
    assert.doesNotMatch(out, /FAILED|attempt 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a step that keeps failing is reported with its command and exit code, and the script stops', () => {
  const { code, out } = bash(`set -e; retry sh -c 'echo "npm error 503 Service Unavailable"; exit 7'; echo "not reached"`);
  assert.equal(code, 7);
  assert.equal(out.match(/^npm error 503/gm)?.length, 3, 'the tool\'s own message, every attempt');
  assert.match(out, /bootstrap: FAILED after 3 attempts \(exit 7\): sh -c echo "npm error 503 Service Unavailable"; exit 7/);
  assert.doesNotMatch(out, /not reached/);
});
