// The dashboard of one run (or several, for comparison): feeds the webview from the RunStore and answers its
// requests (open the config snapshot, save a chart as PNG).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunStoreApi } from '../runs/types';
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';
import type { FromDashboard, ToDashboard, DashboardRun } from '../../webview/protocol';
import { DASHBOARD_VIEW_TYPE } from '../../webview/protocol';
import { DashboardFeed } from './dashboardFeed';
import { PanelHost } from './panelHost';
import { configDifferences } from './configDiff';
import { readHealthThresholds } from './settings';

/** Alerts scan whole series: recompute them at most this often while events stream in, and never spend more than
 * about 5% of the extension host on them (a 100k-step run takes ~150 ms to scan). */
const ALERT_MIN_INTERVAL_MS = 1000;
const ALERT_MAX_SHARE = 0.05;

export class DashboardPanel {
  private readonly host: PanelHost<ToDashboard, FromDashboard>;
  private readonly feeds: DashboardFeed[];
  private readonly subscriptions: vscode.Disposable[] = [];
  private pending = new Map<string, TrainerEvent[]>();
  private alertIntervalMs = ALERT_MIN_INTERVAL_MS;
  private flushTimer: NodeJS.Timeout | undefined;
  private alertTimer: NodeJS.Timeout | undefined;
  private lastAlerts = new Map<string, string>();
  private lastHeaders = new Map<string, string>();

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly store: RunStoreApi,
    readonly runIds: string[], onDispose: () => void) {
    const thresholds = readHealthThresholds();
    this.feeds = runIds.map((id) => new DashboardFeed(store, id, thresholds));
    this.host = new PanelHost<ToDashboard, FromDashboard>({
      panel, extensionUri, bundle: 'dashboard', title: panel.title,
      onReady: () => this.sendSnapshot(),
      onMessage: (m) => void this.onMessage(m),
      onDispose: () => { this.disposeOwn(); onDispose(); },
    });
    this.subscriptions.push(
      store.onDidChangeRun(({ runId, events }) => {
        if (!runIds.includes(runId)) return;
        const list = this.pending.get(runId);
        if (list) list.push(...events); else this.pending.set(runId, [...events]);
        // Coalesce the events of one read of events.jsonl into one message.
        this.flushTimer ??= setTimeout(() => this.flush(), 0);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('rlstudio.health')) return;
        const t = readHealthThresholds();
        for (const f of this.feeds) f.setThresholds(t);
        this.sendAlerts(true);
      }),
    );
  }

  get panel(): vscode.WebviewPanel { return this.host.panel; }

  reveal(): void { this.host.panel.reveal(); }

  private sendSnapshot(): void {
    const runs = this.feeds.map((f) => f.snapshot()).filter((r): r is DashboardRun => r !== undefined);
    for (const r of runs) {
      this.lastHeaders.set(r.header.id, JSON.stringify(r.header));
      this.lastAlerts.set(r.header.id, JSON.stringify(r.alerts));
    }
    const configDiff = runs.length > 1 ? configDifferences(runs.map((r) => this.store.getRun(r.header.id)?.config ?? null)) : undefined;
    this.host.post({ type: 'init', runs, configDiff });
  }

  private flush(): void {
    this.flushTimer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    for (const feed of this.feeds) {
      const events = pending.get(feed.runId);
      if (!events) continue;
      const u = feed.update(events);
      if (u.kind === 'reset') { this.sendSnapshot(); return; }
      if (u.kind === 'append') this.host.post({ type: 'append', runId: feed.runId, series: u.series });
      const header = feed.header();
      const key = JSON.stringify(header);
      if (header && key !== this.lastHeaders.get(feed.runId)) {
        this.lastHeaders.set(feed.runId, key);
        this.host.post({ type: 'header', header });
      }
    }
    this.alertTimer ??= setTimeout(() => { this.alertTimer = undefined; this.sendAlerts(false); }, this.alertIntervalMs);
  }

  private sendAlerts(force: boolean): void {
    const t0 = Date.now();
    for (const feed of this.feeds) {
      const alerts = feed.alerts();
      const key = JSON.stringify(alerts);
      if (!force && key === this.lastAlerts.get(feed.runId)) continue;
      this.lastAlerts.set(feed.runId, key);
      this.host.post({ type: 'alerts', runId: feed.runId, alerts });
    }
    this.alertIntervalMs = Math.max(ALERT_MIN_INTERVAL_MS, (Date.now() - t0) / ALERT_MAX_SHARE);
  }

  private async onMessage(m: FromDashboard): Promise<void> {
    if (m.type === 'openConfig') {
      const run = this.store.getRun(m.runId);
      if (!run) return;
      const file = vscode.Uri.file(path.join(run.dir, 'config.json'));
      try {
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file), { preview: true });
      } catch (e) {
        void vscode.window.showErrorMessage(`RL Studio: cannot open ${file.fsPath}: ${(e as Error).message}`);
      }
    } else if (m.type === 'openSamples') {
      await vscode.commands.executeCommand('rlstudio.openSamples', m.runId);
    } else if (m.type === 'exportPng') {
      await this.exportPng(m.fileName, m.dataUrl);
    }
  }

  private async exportPng(fileName: string, dataUrl: string): Promise<void> {
    const prefix = 'data:image/png;base64,';
    if (!dataUrl.startsWith(prefix)) {
      this.host.post({ type: 'exported', fileName, ok: false, message: 'The chart image was not a PNG.' });
      return;
    }
    const run = this.store.getRun(this.runIds[0]);
    const safeName = fileName.replace(/[^A-Za-z0-9._-]+/g, '_');
    const defaultUri = run ? vscode.Uri.file(path.join(run.dir, 'plots', safeName)) : undefined;
    const target = await vscode.window.showSaveDialog({ defaultUri, filters: { 'PNG image': ['png'] }, title: 'Export chart as PNG' });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, Buffer.from(dataUrl.slice(prefix.length), 'base64'));
      this.host.post({ type: 'exported', fileName, ok: true, message: `Saved ${target.fsPath}` });
    } catch (e) {
      this.host.post({ type: 'exported', fileName, ok: false, message: `Cannot write ${target.fsPath}: ${(e as Error).message}` });
    }
  }

  dispose(): void { this.host.dispose(); }

  private disposeOwn(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.alertTimer) clearTimeout(this.alertTimer);
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

export const dashboardViewType = DASHBOARD_VIEW_TYPE;
