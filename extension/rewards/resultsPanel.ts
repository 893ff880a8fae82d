// The Reward Results panel: one per window, showing the latest reward test sent to it (a re-scored run, a cases run).
import * as vscode from 'vscode';
import { PanelHost } from '../panels/panelHost';
import type { FromRewardResults, ToRewardResults } from '../../webview/rewardResults/protocol';
import type { RewardTestResponse } from '../../schemas/generated/rewardTest';

export class RewardResultsPanel {
  private host: PanelHost<ToRewardResults, FromRewardResults> | undefined;
  private latest: ToRewardResults | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(title: string, response: RewardTestResponse): void {
    this.latest = { type: 'results', title, response };
    if (!this.host) {
      const panel = vscode.window.createWebviewPanel('rlstudio.rewardResults', 'Reward Results', vscode.ViewColumn.Beside);
      this.host = new PanelHost<ToRewardResults, FromRewardResults>({
        panel, extensionUri: this.extensionUri, bundle: 'rewardResults', title: 'Reward Results',
        onReady: () => this.latest && this.host?.post(this.latest),
        onMessage: (m) => {
          if (m.type === 'openLocation') void openAt(m.file, m.line);
        },
        onDispose: () => (this.host = undefined),
      });
    } else {
      this.host.panel.reveal(undefined, true);
      this.host.post(this.latest);
    }
    this.host.panel.title = `Reward Results: ${title}`;
  }

  /** Updates an open panel (a cases run while it shows earlier results); opens nothing. */
  update(title: string, response: RewardTestResponse): void {
    if (this.host) this.show(title, response);
  }

  dispose(): void {
    this.host?.dispose();
  }
}

async function openAt(file: string, line?: number): Promise<void> {
  const at = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(at, at), viewColumn: vscode.ViewColumn.One });
}
