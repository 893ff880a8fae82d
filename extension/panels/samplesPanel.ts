// The samples viewer of one run: step list from the RunStore, one step's samples read on demand.
import * as vscode from 'vscode';
import type { RunStoreApi } from '../runs/types';
import type { FromSamples, ToSamples } from '../../webview/protocol';
import { PanelHost } from './panelHost';

export class SamplesPanel {
  private readonly host: PanelHost<ToSamples, FromSamples>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private stepCount = -1;

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly store: RunStoreApi,
    readonly runId: string, onDispose: () => void) {
    this.host = new PanelHost<ToSamples, FromSamples>({
      panel, extensionUri, bundle: 'samples', title: panel.title,
      onReady: () => {
        const steps = store.getSampleSteps(runId);
        this.stepCount = steps.length;
        this.host.post({ type: 'init', runId, steps });
      },
      onMessage: (m) => { if (m.type === 'requestSamples') void this.sendSamples(m.step); },
      onDispose: () => { for (const s of this.subscriptions.splice(0)) s.dispose(); onDispose(); },
    });
    this.subscriptions.push(store.onDidChangeRun((e) => {
      if (e.runId !== runId || !e.events.some((ev) => ev.type === 'samples')) return;
      const steps = store.getSampleSteps(runId);
      if (steps.length === this.stepCount) return;
      this.stepCount = steps.length;
      this.host.post({ type: 'steps', runId, steps });
    }));
  }

  get panel(): vscode.WebviewPanel { return this.host.panel; }
  reveal(): void { this.host.panel.reveal(); }
  dispose(): void { this.host.dispose(); }

  private async sendSamples(step: number): Promise<void> {
    try {
      const ev = await this.store.readSamples(this.runId, step);
      this.host.post({ type: 'samples', runId: this.runId, step, samples: ev?.samples ?? [] });
    } catch (e) {
      void vscode.window.showErrorMessage(`RL Studio: cannot read the samples of step ${step} of ${this.runId}: ${(e as Error).message}`);
      this.host.post({ type: 'samples', runId: this.runId, step, samples: [] });
    }
  }
}
