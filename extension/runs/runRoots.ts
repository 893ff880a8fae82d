// Which folders hold runs: each workspace folder's rlstudio.runsFolders (default "runs") plus the output_dir of
// every *.rlstudio.json in the workspace (relative to that file). No `vscode` import.
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import { runsFolderOf } from '../trainer/commandLine';

export function runRootsFor(workspaceFolders: string[], settingFolders: string[], configs: { file: string; text: string }[]): string[] {
  const roots = new Set<string>();
  for (const ws of workspaceFolders) for (const f of settingFolders) roots.add(path.resolve(ws, f));
  for (const c of configs) {
    const outputDir = (parse(c.text) as { output_dir?: unknown } | undefined)?.output_dir;
    roots.add(runsFolderOf(c.file, typeof outputDir === 'string' ? outputDir : undefined));
  }
  return [...roots];
}
