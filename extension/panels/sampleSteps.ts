// What the samples viewer of a run offers, from the RunStore. Pure (no `vscode`): the webview tests use it too.
import type { RunStoreApi } from '../runs/types';
import type { SampleSteps } from '../../webview/protocol';

/** The viewer's step lists and the logging settings that explain an empty one. Pure. */
export function sampleStepsOf(store: RunStoreApi, runId: string): SampleSteps {
  const run = store.getRun(runId);
  const logging = (run?.config as { logging?: { log_completions?: unknown; completions_steps?: unknown } } | null | undefined)?.logging;
  return {
    runId,
    steps: store.getSampleSteps(runId, 'train'),
    evalSteps: store.getSampleSteps(runId, 'eval'),
    running: run?.status === 'running',
    logCompletions: typeof logging?.log_completions === 'boolean' ? logging.log_completions : null,
    completionsSteps: typeof logging?.completions_steps === 'number' ? logging.completions_steps : null,
  };
}
