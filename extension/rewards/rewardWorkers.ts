// The reward worker of this window, on the trainer's interpreter: started on first use (or warmed when a reward
// file is opened), replaced when the interpreter changes, ended with the window.
import * as vscode from 'vscode';
import { RewardWorker } from './rewardWorker';
import type { Services } from '../services';
import type { RewardTestRequest, RewardTestResponse } from '../../schemas/generated/rewardTest';

export class RewardWorkers implements vscode.Disposable {
  private worker: RewardWorker | undefined;

  constructor(private readonly services: Pick<Services, 'python' | 'log'>) {}

  private async current(): Promise<RewardWorker | undefined> {
    const python = await this.services.python.resolve();
    if (!python) return undefined;
    if (this.worker?.python !== python.path) {
      void this.worker?.dispose();
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
      this.worker = new RewardWorker(python.path, cwd, (line) => this.services.log.info(`[rewards] ${line}`));
    }
    return this.worker;
  }

  /** Starts the worker ahead of the first click (trusted workspaces only). */
  async warm(): Promise<void> {
    if (vscode.workspace.isTrusted) (await this.current())?.warm();
  }

  async test(request: RewardTestRequest, signal?: AbortSignal): Promise<RewardTestResponse> {
    const worker = await this.current();
    if (!worker) return { error: { message: 'no Python interpreter that can run the trainer (see the RL Studio log)' }, functions: [], samples: [] };
    const t0 = performance.now();
    const response = await worker.test(request, signal);
    this.services.log.info(`[rewards] test of ${response.samples.length} sample(s) in ${(performance.now() - t0).toFixed(0)} ms${response.error ? `: ${response.error.message.split('\n')[0]}` : ''}`);
    return response;
  }

  dispose(): void {
    void this.worker?.dispose();
  }
}
