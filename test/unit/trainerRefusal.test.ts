// A trainer that refuses to start (exit 2 or 3) writes no events: what the editor can show is what it printed. The
// registry hands the process's last lines to onExit, and refusalText turns them into the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { TrainerRegistry } from '../../extension/trainer/trainerRegistry';
import { EXIT_REFUSED, refusalText } from '../../extension/trainer/exitCodes';

test("a refused launch reports the trainer's own message", async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-refused-'));
  const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
  try {
    const exited = new Promise<{ code: number | null; lines: string[] }>((resolve) => {
      const registry = new TrainerRegistry(store, () => undefined, (_id, exit, lines) => resolve({ code: exit.code, lines }));
      const script = "import sys; print('warning: x.json:3: $.model: not cached'); " +
        "print('/runs/a: the run directory is in use by a live trainer (pid 42 on host h)', file=sys.stderr); sys.exit(3)";
      registry.launch({ command: 'python3', args: ['-c', script], cwd: root, env: { PATH: process.env.PATH ?? '' } }, path.join(root, 'run-a'));
    });
    const { code, lines } = await exited;
    assert.equal(code, EXIT_REFUSED);
    assert.equal(refusalText(lines), '/runs/a: the run directory is in use by a live trainer (pid 42 on host h)');
    assert.equal(refusalText([]), undefined);
  } finally {
    store.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
