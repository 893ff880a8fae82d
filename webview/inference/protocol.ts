// The inference panel's own protocol. The webview names each request with a requestId; every message the host sends
// about that request carries it back, so answers, streamed tokens and failures land where they were asked for (two
// checkpoints answer at once in A/B). No DOM and no `vscode` types: both sides import it.
import type { BatchSummary, ChatMessage, RewardScore } from '../../schemas/generated/serveProtocol';

export type Slot = 'a' | 'b';
export const SLOTS: readonly Slot[] = ['a', 'b'];

export interface CheckpointChoice {
  label: string;
  /** What serve loads: a checkpoint folder, or a base model (builtin:tiny, a path, a hub id). */
  checkpoint: string;
}

/** A prompt picked from the run's dataset, with what the reward functions need from its record. */
export interface PickedPrompt {
  prompt: string | ChatMessage[];
  reference: string | null;
  columns: Record<string, unknown>;
  source: string;
}

export interface SamplingSettings {
  temperature: number;
  top_p: number;
  max_tokens: number;
  seed: number | null;
}

export type ToInference =
  | { type: 'init'; choices: CheckpointChoice[]; selected: Record<Slot, string | null>; backend: string }
  | { type: 'loading'; slot: Slot; checkpoint: string }
  | { type: 'loaded'; slot: Slot; checkpoint: string; kind: string; rewardFunctions: string[]; rewardsError: string | null;
      seconds: number; prompts: PickedPrompt[]; promptsFile: string | null }
  | { type: 'unloaded'; slot: Slot }
  | { type: 'token'; requestId: string; slot: Slot; text: string }
  | { type: 'answer'; requestId: string; slot: Slot; text: string; completionTokens: number; seconds: number;
      firstTokenSeconds: number | null; finishReason: string; scores: RewardScore | null; scoreError: string | null }
  | { type: 'failed'; requestId: string | null; slot: Slot | null; message: string }
  | { type: 'batchProgress'; requestId: string; done: number; total: number }
  | { type: 'batchDone'; requestId: string; output: string; summary: BatchSummary };

export type FromInference =
  | { type: 'ready' }
  | { type: 'select'; slot: Slot; checkpoint: string | null }
  | { type: 'generate'; requestId: string; prompt: string; chat: boolean; picked: PickedPrompt | null; sampling: SamplingSettings }
  | { type: 'stop'; requestId: string }
  | { type: 'batch'; requestId: string; sampling: SamplingSettings; limit: number };

const TO_TYPES = new Set(['init', 'loading', 'loaded', 'unloaded', 'token', 'answer', 'failed', 'batchProgress', 'batchDone']);

export function isToInference(data: unknown): data is ToInference {
  return !!data && typeof data === 'object' && TO_TYPES.has(String((data as { type?: unknown }).type));
}

/** A picked prompt as the prompt box shows it (chat turns as "role: content" lines); an edited prompt no longer
 * matches and is sent as plain text without the record's reference. */
export function promptText(prompt: PickedPrompt['prompt']): string {
  return typeof prompt === 'string' ? prompt : prompt.map((m) => `${m.role}: ${m.content}`).join('\n');
}

const ROLE_LINE = /^(system|user|assistant):[ \t]?(.*)$/;

/** The prompt box in chat mode: turns written as "role: content" lines (system, user, assistant), as promptText shows a
 * picked chat prompt; a line without a role continues the turn above it. null when the text does not start with a
 * role line, or has no user turn. */
export function parseChat(text: string): ChatMessage[] | null {
  const turns: ChatMessage[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const m = ROLE_LINE.exec(line);
    if (m) turns.push({ role: m[1], content: m[2] });
    else if (turns.length) turns[turns.length - 1].content += `\n${line}`;
    else if (line.trim()) return null;
  }
  for (const t of turns) t.content = t.content.replace(/\n+$/, '');
  return turns.some((t) => t.role === 'user') ? turns : null;
}

/** What a generate request asks serve for: the picked dataset record as it is (with its reference and columns, so
 * rewards can score the answer) while the box still shows it unchanged; otherwise the box's text, as chat turns in
 * chat mode. A string is a problem to show instead. */
export function generationInput(prompt: string, chat: boolean, picked: PickedPrompt | null):
  { prompt: string } | { messages: ChatMessage[] } | { prompt?: string; messages?: ChatMessage[]; reference: string | null; columns: Record<string, unknown> } | string {
  if (picked && promptText(picked.prompt) === prompt) {
    return { ...(typeof picked.prompt === 'string' ? { prompt: picked.prompt } : { messages: picked.prompt }),
      reference: picked.reference, columns: picked.columns };
  }
  if (!chat) return { prompt };
  const messages = parseChat(prompt);
  return messages ? { messages } : 'Chat mode: write each turn on its own line as "user: ...", with optional "system: ..." and "assistant: ..." turns.';
}
