// "RL Studio: New Reward Function": the templates (extension/media/reward-templates/<id>.py, each with its
// <id>.py.cases.jsonl that the trainer's tests run) and writing a copy into the workspace. No `vscode` import.
import { copyFile, access } from 'node:fs/promises';
import * as path from 'node:path';
import { casesFileFor } from './rewardFiles';

export interface RewardTemplate {
  id: string;
  label: string;
  detail: string;
}

export const REWARD_TEMPLATES: readonly RewardTemplate[] = [
  { id: 'format_tags', label: 'Format: <think> then <answer>', detail: '1 when the completion is <think>…</think><answer>…</answer>, else 0' },
  { id: 'correctness', label: 'Correctness against a reference column', detail: 'the <answer> text equals the dataset\'s reference; None without one' },
  { id: 'numeric_tolerance', label: 'Numeric answer within a tolerance', detail: 'the last number is within 0.1 % of the reference' },
  { id: 'length_penalty', label: 'Length penalty', detail: '0 up to 200 tokens, down to -1 at 400 (soft overlong penalty)' },
  { id: 'financial_keywords', label: 'Weighted financial keywords (seed 000)', detail: 'accuracy, risk, recommendation and language weights; penalises absolute claims' },
  { id: 'llm_judge', label: 'LLM as judge (skeleton)', detail: 'an OpenAI-compatible endpoint from RLSTUDIO_JUDGE_URL / _MODEL / _KEY; None when unset' },
  { id: 'code_execution', label: 'Code execution with a timeout', detail: 'runs the ```python block in a subprocess; 1 when it prints expected_output' },
];

export function templateDir(extensionPath: string): string {
  return path.join(extensionPath, 'extension', 'media', 'reward-templates');
}

/** Copies a template and its cases file into `folder` as <id>.py (or <id>_2.py, ... when taken); the new file. */
export async function writeTemplate(extensionPath: string, id: string, folder: string): Promise<string> {
  const source = path.join(templateDir(extensionPath), `${id}.py`);
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  let target = path.join(folder, `${id}.py`);
  for (let i = 2; await exists(target) || await exists(casesFileFor(target)); i++) target = path.join(folder, `${id}_${i}.py`);
  await copyFile(source, target);
  await copyFile(casesFileFor(source), casesFileFor(target));
  return target;
}
