// The samples viewer of one run: the steps with training and eval samples from the RunStore, one step's samples
// read on demand.
import * as vscode from 'vscode';
import type { RunStoreApi, SampleSource } from '../runs/types';
import type { FromSamples, ToSamples } from '../../webview/protocol';
import { PanelHost } from './panelHost';
import { sampleStepsOf } from './sampleSteps';

export class SamplesPanel {
  private readonly host: PanelHost<ToSamples, FromSamples>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private sent = '';

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly store: RunStoreApi,
    readonly runId: string, onDispose: () => void) {
    this.host = new PanelHost<ToSamples, FromSamples>({
      panel, extensionUri, bundle: 'samples', title: panel.title,
      onReady: () => {
        const steps = sampleStepsOf(store, runId);
        this.sent = JSON.stringify(steps);
        this.host.post({ type: 'init', ...steps });
      },
      onMessage: (m) => { if (m.type === 'requestSamples') void this.sendSamples(m.step, m.source === 'eval' ? 'eval' : 'train'); },
      onDispose: () => { for (const s of this.subscriptions.splice(0)) s.dispose(); onDispose(); },
    });
    const update = (): void => {
      const steps = sampleStepsOf(store, runId);
      const text = JSON.stringify(steps);
      if (text === this.sent) return;
      this.sent = text;
      this.host.post({ type: 'steps', ...steps });
    };
    this.subscriptions.push(
      store.onDidChangeRun((e) => { if (e.runId === runId && e.events.some((ev) => ev.type === 'samples' || ev.type === 'eval')) update(); }),
      store.onDidChangeRuns(update)); // running -> finished changes what an empty viewer says
  }

  get panel(): vscode.WebviewPanel { return this.host.panel; }
  reveal(): void { this.host.panel.reveal(); }
  dispose(): void { this.host.dispose(); }

  private async sendSamples(step: number, source: SampleSource): Promise<void> {
    try {
      const ev = await this.store.readSamples(this.runId, step, source);
      this.host.post({ type: 'samples', runId: this.runId, step, source, samples: ev?.samples ?? [] });
    } catch (e) {
      void vscode.window.showErrorMessage(`RL Studio: cannot read the ${source === 'eval' ? 'eval ' : ''}samples of step ${step} of ${this.runId}: ${(e as Error).message}`);
      this.host.post({ type: 'samples', runId: this.runId, step, source, samples: [] });
    }
  }
}
