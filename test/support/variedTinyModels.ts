// Checkpoints for tests that compare decoders: the untrained builtin:tiny repeats one token whatever it is asked,
// which lets a decoder that mixes up positions or its KV cache still agree. Built here with the project's .venv:
// `varied` is builtin:tiny with its weights scrambled (varied answers), `lora` a LoRA adapter on it (a full-rank
// random init, so merging it at export matters). The same recipe as trainer/tests/conftest.py's varied_model.
import * as path from 'node:path';
import { runProcess } from '../../extension/python/childProcess';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

const SCRIPT = `
import sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import LoraConfig, get_peft_model
from rlstudio.models.tiny import tiny_model_dir
varied, lora = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
model = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
with torch.no_grad():
    for p in model.parameters():
        p.add_(torch.randn_like(p) * 0.5)
model.save_pretrained(varied)
AutoTokenizer.from_pretrained(tiny_model_dir()).save_pretrained(varied)
torch.manual_seed(1)
adapter = get_peft_model(AutoModelForCausalLM.from_pretrained(varied),
                         LoraConfig(r=4, lora_alpha=16, target_modules="all-linear", init_lora_weights=False))
adapter.save_pretrained(lora)
`;

export async function buildVariedModels(dir: string): Promise<{ varied: string; lora: string }> {
  const varied = path.join(dir, 'varied');
  const lora = path.join(dir, 'lora');
  const r = await runProcess({ command: PYTHON, args: ['-c', SCRIPT, varied, lora], cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.code !== 0) throw new Error(`building the varied tiny models failed:\n${r.tail.join('\n')}`);
  return { varied, lora };
}

/** Fifty arithmetic prompts in the demo's words (as trainer/tests/test_onnx_export.py). */
export function fiftyPrompts(): string[] {
  const names = ['Ann', 'Bob', 'Lena', 'Max', 'Kim'];
  const things = ['apples', 'pens', 'beads', 'cards', 'coins'];
  return Array.from({ length: 50 }, (_, i) =>
    `${names[i % 5]} has ${(i % 9) + 1} ${things[Math.floor(i / 5) % 5]} and gets ${(i % 4) + 1} more . How many now ?`);
}
