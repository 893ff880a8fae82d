// Inference panel webview: pick checkpoint A (and B to compare), a prompt typed or picked from the run's dataset,
// sampling settings; answers stream in side by side with tokens/s and reward scores; a batch over the dataset.
import '../shared/elements';
import '../shared/base.css';
import './inference.css';
import { channel, listen } from '../shared/vscodeApi';
import { clear, formatNumber, h } from '../shared/dom';
import { SLOTS, isToInference, promptText, type FromInference, type PickedPrompt, type SamplingSettings, type Slot, type ToInference } from './protocol';
import { AnswerView } from './answerView';

interface InferenceState { prompt: string; chat: boolean; sampling: SamplingSettings; batchLimit: number }

const ch = channel<FromInference, InferenceState>();
const saved = ch.getState();
const state: InferenceState = {
  prompt: typeof saved?.prompt === 'string' ? saved.prompt : '',
  chat: saved?.chat === true,
  sampling: { temperature: 0, top_p: 1, max_tokens: 64, seed: null, ...(saved?.sampling ?? {}) },
  batchLimit: typeof saved?.batchLimit === 'number' ? saved.batchLimit : 20,
};
const persist = (): void => ch.setState(state);

type Select = HTMLSelectElement;
const app = document.getElementById('app')!;
const backend = h('span', { class: 'backend' });
const pickers = Object.fromEntries(SLOTS.map((s) => [s, h('select', { class: 'checkpoint', 'data-slot': s, 'aria-label': `Checkpoint ${s.toUpperCase()}` }) as Select])) as Record<Slot, Select>;
const slotInfo = Object.fromEntries(SLOTS.map((s) => [s, h('span', { class: 'slot-info', 'data-slot': s })])) as Record<Slot, HTMLElement>;
const datasetPicker = h('select', { class: 'dataset-prompts', 'aria-label': 'Prompt from the dataset' }) as Select;
const promptBox = h('textarea', { class: 'prompt-box', rows: 4, 'aria-label': 'Prompt', placeholder: 'Ask the checkpoint something' }) as HTMLTextAreaElement;
// Chat mode sends the box as turns ("user: ...", "system: ...", "assistant: ..." lines) through the model's chat template.
const chatBox = h('input', { type: 'checkbox', class: 'chat-mode', 'aria-label': 'Chat turns' }) as HTMLInputElement;
const num = (label: string, key: keyof SamplingSettings, step: string): HTMLInputElement => {
  const input = h('input', { type: 'number', step, class: `sampling-${key}`, 'aria-label': label }) as HTMLInputElement;
  input.value = state.sampling[key] === null ? '' : String(state.sampling[key]);
  input.addEventListener('change', () => {
    const v = input.value.trim() === '' ? null : Number(input.value);
    if (key === 'seed') state.sampling.seed = v;
    else if (v !== null && Number.isFinite(v)) state.sampling[key] = v;
    persist();
  });
  return input;
};
const generateBtn = h('vscode-button', { class: 'generate' }, 'Generate');
const stopBtn = h('vscode-button', { class: 'stop', secondary: true, disabled: true }, 'Stop');
const batchLimit = h('input', { type: 'number', min: 1, class: 'batch-limit', 'aria-label': 'Prompts in the batch' }) as HTMLInputElement;
batchLimit.value = String(state.batchLimit);
const batchBtn = h('vscode-button', { class: 'batch', secondary: true }, 'Run batch on the dataset (A)');
const batchStatus = h('div', { class: 'batch-status', role: 'status' });
const problems = h('div', { class: 'panel-error', role: 'alert' });
const views = Object.fromEntries(SLOTS.map((s) => [s, new AnswerView(s)])) as Record<Slot, AnswerView>;

app.append(
  h('div', { class: 'row' }, h('strong', {}, 'Backend: '), backend),
  ...SLOTS.map((s) => h('div', { class: 'row' }, h('label', {}, `Checkpoint ${s.toUpperCase()}${s === 'b' ? ' (compare)' : ''} `, pickers[s]), slotInfo[s])),
  h('div', { class: 'row' }, h('label', {}, 'Prompt from the dataset ', datasetPicker)),
  promptBox,
  h('div', { class: 'row' }, h('label', { title: 'Each line "user: ...", "system: ..." or "assistant: ..." is a turn, sent through the chat template' },
    chatBox, ' chat turns (role: text per line)')),
  h('div', { class: 'row sampling' },
    h('label', {}, 'temperature ', num('temperature', 'temperature', '0.1')), h('label', {}, 'top_p ', num('top_p', 'top_p', '0.05')),
    h('label', {}, 'max tokens ', num('max tokens', 'max_tokens', '1')), h('label', {}, 'seed ', num('seed', 'seed', '1')),
    generateBtn, stopBtn),
  problems,
  h('div', { class: 'answers' }, views.a.el, views.b.el),
  h('div', { class: 'row' }, h('label', {}, 'prompts ', batchLimit), batchBtn), batchStatus,
);
promptBox.value = state.prompt;
chatBox.checked = state.chat;
chatBox.addEventListener('change', () => { state.chat = chatBox.checked; persist(); });
promptBox.addEventListener('input', () => { state.prompt = promptBox.value; persist(); });
batchLimit.addEventListener('change', () => { state.batchLimit = Math.max(1, Number(batchLimit.value) || 1); persist(); });

let choices: { label: string; checkpoint: string }[] = [];
let prompts: PickedPrompt[] = [];
let current: string | null = null;
let counter = 0;
const loadedSlots = new Set<Slot>();

function fillPicker(slot: Slot, selected: string | null): void {
  const picker = pickers[slot];
  clear(picker);
  picker.append(h('option', { value: '' }, slot === 'a' ? '— pick a checkpoint —' : '— none —'));
  const all = selected && !choices.some((c) => c.checkpoint === selected) ? [...choices, { label: selected, checkpoint: selected }] : choices;
  for (const c of all) picker.append(h('option', { value: c.checkpoint }, c.label));
  picker.value = selected ?? '';
}

for (const slot of SLOTS) {
  pickers[slot].addEventListener('change', () => ch.post({ type: 'select', slot, checkpoint: pickers[slot].value || null }));
}
datasetPicker.addEventListener('change', () => {
  const picked = prompts[Number(datasetPicker.value)];
  if (!picked) return;
  promptBox.value = promptText(picked.prompt);
  state.prompt = promptBox.value;
  chatBox.checked = state.chat = typeof picked.prompt !== 'string';
  persist();
});

function busy(id: string | null): void {
  current = id;
  stopBtn.toggleAttribute('disabled', id === null);
  generateBtn.toggleAttribute('disabled', id !== null);
}

generateBtn.addEventListener('click', () => {
  if (current) return;
  const requestId = `g${++counter}`;
  const picked = prompts[Number(datasetPicker.value)] ?? null;
  problems.textContent = '';
  for (const s of loadedSlots) views[s].begin();
  busy(requestId);
  ch.post({ type: 'generate', requestId, prompt: promptBox.value, chat: chatBox.checked, picked, sampling: { ...state.sampling } });
});
stopBtn.addEventListener('click', () => { if (current) ch.post({ type: 'stop', requestId: current }); });
batchBtn.addEventListener('click', () => {
  const requestId = `b${++counter}`;
  batchStatus.textContent = 'starting the batch…';
  ch.post({ type: 'batch', requestId, sampling: { ...state.sampling }, limit: state.batchLimit });
});

const pendingAnswers = new Map<string, number>();

function onMessage(m: ToInference): void {
  switch (m.type) {
    case 'init':
      backend.textContent = m.backend;
      choices = m.choices;
      for (const s of SLOTS) fillPicker(s, m.selected[s]);
      return;
    case 'loading':
      fillPicker(m.slot, m.checkpoint);
      slotInfo[m.slot].textContent = 'loading…';
      loadedSlots.delete(m.slot);
      return;
    case 'loaded': {
      fillPicker(m.slot, m.checkpoint);
      loadedSlots.add(m.slot);
      const rewards = m.rewardFunctions.length ? `rewards: ${m.rewardFunctions.join(', ')}` : (m.rewardsError ?? 'no reward functions');
      slotInfo[m.slot].textContent = `${m.kind} · loaded in ${formatNumber(m.seconds, 2)} s · ${rewards}`;
      slotInfo[m.slot].setAttribute('data-loaded', 'true');
      views[m.slot].setTitle(pickers[m.slot].selectedOptions[0]?.textContent ?? m.checkpoint);
      views[m.slot].el.hidden = false;
      if (m.slot === 'a') {
        prompts = m.prompts;
        clear(datasetPicker);
        datasetPicker.append(h('option', { value: '' }, prompts.length ? `— ${prompts.length} prompts —` : '— none —'));
        prompts.forEach((p, i) => datasetPicker.append(h('option', { value: String(i) }, promptText(p.prompt).slice(0, 90))));
      }
      return;
    }
    case 'unloaded':
      loadedSlots.delete(m.slot);
      slotInfo[m.slot].textContent = '';
      views[m.slot].el.hidden = true;
      return;
    case 'token':
      if (m.requestId === current) views[m.slot].append(m.text);
      return;
    case 'answer':
    case 'failed': {
      if (m.type === 'answer') views[m.slot].finish(m);
      else if (m.slot && m.requestId) views[m.slot].fail(m.message);
      else if (m.slot) { slotInfo[m.slot].textContent = m.message; slotInfo[m.slot].removeAttribute('data-loaded'); }
      else problems.textContent = m.message;
      if (m.type === 'failed' && m.requestId?.startsWith('b')) batchStatus.textContent = m.message;
      if (m.requestId && m.requestId === current) {
        const left = (pendingAnswers.get(m.requestId) ?? loadedSlots.size) - 1;
        pendingAnswers.set(m.requestId, left);
        if (left <= 0 || !m.slot) busy(null);
      }
      return;
    }
    case 'batchProgress':
      batchStatus.textContent = `${m.done} of ${m.total} prompts`;
      return;
    case 'batchDone': {
      const s = m.summary;
      const accuracy = s.accuracy === null ? '' : ` · accuracy ${formatNumber(s.accuracy, 3)} (${s.with_reference} with a reference)`;
      batchStatus.textContent = `${s.count} answers · mean reward ${formatNumber(s.mean_reward, 4)}${accuracy} · ${s.finished} · saved to ${m.output}`;
      batchStatus.setAttribute('data-output', m.output);
      return;
    }
  }
}

for (const s of SLOTS) views[s].el.hidden = true;
listen(isToInference, onMessage, () => ch.post({ type: 'ready' }));
