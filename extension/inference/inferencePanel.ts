// The inference panel on the extension side: one panel, one backend (the PyTorch serve process or ONNX in the
// editor, see backend.ts), up to two loaded checkpoints (A and B answer the same prompt side by side), streamed
// answers scored by the run's reward functions, and batch runs over the run's dataset written as JSONL into the run
// directory (scores and batches need the PyTorch backend; the ONNX one says so).
import * as vscode from 'vscode';
import type { RunStoreApi } from '../runs/types';
import { PanelHost } from '../panels/panelHost';
import { SLOTS, generationInput, type FromInference, type PickedPrompt, type SamplingSettings, type Slot, type ToInference } from '../../webview/inference/protocol';
import type { Sampling } from '../../schemas/generated/serveProtocol';
import { describeFailure } from './serveClient';
import { BACKEND_LABELS, type InferenceBackend } from './backend';
import { checkpointChoices } from './checkpointChoices';

interface SlotState { checkpoint: string; loaded?: Extract<ToInference, { type: 'loaded' }> }

export class InferencePanel {
  private readonly host: PanelHost<ToInference, FromInference>;
  private readonly slots = new Map<Slot, SlotState>();
  private readonly running = new Map<string, AbortController>();

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly store: RunStoreApi,
    private readonly client: InferenceBackend, onDispose: () => void) {
    this.host = new PanelHost<ToInference, FromInference>({
      panel, extensionUri, bundle: 'inference', title: panel.title,
      onReady: () => this.sendSnapshot(),
      onMessage: (m) => void this.onMessage(m),
      onDispose: () => {
        for (const c of this.running.values()) c.abort();
        void this.client.dispose();
        onDispose();
      },
    });
  }

  reveal(): void { this.host.panel.reveal(); }

  /** Loads a checkpoint into slot A (Try This Checkpoint) or B. */
  async select(slot: Slot, checkpoint: string | null): Promise<void> {
    if (!checkpoint) {
      this.slots.delete(slot);
      await this.client.unload(slot);
      this.host.post({ type: 'unloaded', slot });
      return;
    }
    this.slots.set(slot, { checkpoint });
    this.host.post({ type: 'loading', slot, checkpoint });
    try {
      const loaded = await this.client.load(slot, { checkpoint });
      const prompts = loaded.run_dir ? await this.client.prompts(slot, 200).catch(() => undefined) : undefined;
      const message: Extract<ToInference, { type: 'loaded' }> = {
        type: 'loaded', slot, checkpoint, kind: loaded.kind, rewardFunctions: loaded.reward_functions,
        rewardsError: loaded.rewards_error ?? null, seconds: loaded.seconds,
        prompts: (prompts?.prompts ?? []) as PickedPrompt[], promptsFile: prompts?.path ?? null,
      };
      if (this.slots.get(slot)?.checkpoint !== checkpoint) return; // another pick came meanwhile
      this.slots.set(slot, { checkpoint, loaded: message });
      this.host.post(message);
    } catch (e) {
      this.slots.delete(slot);
      this.host.post({ type: 'failed', requestId: null, slot, message: describeFailure(e) });
    }
  }

  private sendSnapshot(): void {
    const selected = { a: this.slots.get('a')?.checkpoint ?? null, b: this.slots.get('b')?.checkpoint ?? null };
    this.host.post({ type: 'init', choices: checkpointChoices(this.store.listRuns()), selected, backend: BACKEND_LABELS[this.client.id] });
    for (const slot of SLOTS) {
      const s = this.slots.get(slot);
      if (s?.loaded) this.host.post(s.loaded);
      else if (s) this.host.post({ type: 'loading', slot, checkpoint: s.checkpoint });
    }
  }

  private async onMessage(m: FromInference): Promise<void> {
    if (m.type === 'select') return this.select(m.slot, m.checkpoint);
    if (m.type === 'stop') return this.running.get(m.requestId)?.abort();
    if (m.type === 'generate') return this.generate(m.requestId, m.prompt, m.chat === true, m.picked, m.sampling);
    if (m.type === 'batch') return this.batch(m.requestId, m.sampling, m.limit);
  }

  private async generate(requestId: string, prompt: string, chat: boolean, picked: PickedPrompt | null,
    sampling: SamplingSettings): Promise<void> {
    const loaded = SLOTS.filter((s) => this.slots.get(s)?.loaded);
    if (!loaded.length) return this.host.post({ type: 'failed', requestId, slot: null, message: 'Pick a checkpoint first.' });
    const input = generationInput(prompt, chat, picked);
    if (typeof input === 'string') return this.host.post({ type: 'failed', requestId, slot: null, message: input });
    const stop = new AbortController();
    this.running.set(requestId, stop);
    await Promise.all(loaded.map(async (slot) => {
      const scorable = (this.slots.get(slot)?.loaded?.rewardFunctions.length ?? 0) > 0;
      try {
        const r = await this.client.generate(slot, { ...input, sampling: toSampling(sampling), score: scorable },
          (text) => this.host.post({ type: 'token', requestId, slot, text }), stop.signal);
        this.host.post({ type: 'answer', requestId, slot, text: r.text, completionTokens: r.completion_tokens, seconds: r.seconds,
          firstTokenSeconds: r.first_token_seconds, finishReason: r.finish_reason, scores: r.scores ?? null, scoreError: r.score_error ?? null });
      } catch (e) {
        this.host.post({ type: 'failed', requestId, slot, message: describeFailure(e) });
      }
    }));
    this.running.delete(requestId);
  }

  private async batch(requestId: string, sampling: SamplingSettings, limit: number): Promise<void> {
    const a = this.slots.get('a')?.loaded;
    if (!a?.promptsFile && this.client.id === 'pytorch') {
      return this.host.post({ type: 'failed', requestId, slot: 'a', message: 'A batch runs the dataset of checkpoint A\'s run; pick a checkpoint of a run as A.' });
    }
    const stop = new AbortController();
    this.running.set(requestId, stop);
    try {
      const r = await this.client.batch('a', { prompts_file: a?.promptsFile ?? '', sampling: toSampling(sampling), limit },
        (done, total) => this.host.post({ type: 'batchProgress', requestId, done, total }), stop.signal);
      this.host.post({ type: 'batchDone', requestId, output: r.output, summary: r.summary });
    } catch (e) {
      this.host.post({ type: 'failed', requestId, slot: 'a', message: describeFailure(e) });
    } finally {
      this.running.delete(requestId);
    }
  }
}

function toSampling(s: SamplingSettings): Sampling {
  return { temperature: s.temperature, top_p: s.top_p, max_tokens: s.max_tokens, ...(s.seed === null ? {} : { seed: s.seed }) };
}
