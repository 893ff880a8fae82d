// The text the model continues, by the trainer's rules (trainer/rlstudio/data.py render_prompt) for a tokenizer
// without a chat template, or with data.chat_template "never": the system prompt on its own line before a string
// prompt, a conversation as "Role: content" lines ending with "Assistant:". A chat template is Jinja code that only
// the PyTorch backend runs, so such a model is refused with words that say so.
import type { ChatMessage } from '../../../schemas/generated/serveProtocol';
import { BackendError } from '../backend';

export interface RenderRules {
  systemPrompt: string | null;
  chatTemplate: 'auto' | 'always' | 'never';
  tokenizerHasTemplate: boolean;
}

export function renderPrompt(prompt: string | ChatMessage[], rules: RenderRules): string {
  const useTemplate = rules.chatTemplate === 'always' || (rules.chatTemplate === 'auto' && rules.tokenizerHasTemplate);
  if (useTemplate) {
    throw new BackendError('This model renders prompts through its chat template, which the ONNX (in editor) backend does not run; ' +
      'switch rlstudio.inference.backend to "pytorch" (or set data.chat_template to "never" in the run config)');
  }
  if (typeof prompt === 'string') return rules.systemPrompt ? `${rules.systemPrompt}\n${prompt}` : prompt;
  const messages = [...prompt];
  if (rules.systemPrompt && messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: rules.systemPrompt });
  const lines = messages.map((m) => `${m.role.charAt(0).toUpperCase()}${m.role.slice(1).toLowerCase()}: ${m.content}`);
  if (messages[messages.length - 1]?.role !== 'assistant') lines.push('Assistant:');
  return lines.join('\n');
}
