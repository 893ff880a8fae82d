// Registers the dashboard and samples panels: their commands and the serializers that bring them back after a
// window reload. Called lazily by the extension core with the RunStore.
import * as vscode from 'vscode';
import type { RunStoreApi } from '../runs/types';
import { DASHBOARD_VIEW_TYPE, SAMPLES_VIEW_TYPE } from '../../webview/protocol';
import { DashboardPanel } from './dashboardPanel';
import { SamplesPanel } from './samplesPanel';
import { dashboardKey, runIdFromArgs, runIdsFromArgs } from './commandArgs';
import { webviewOptions } from './panelHost';

export { computeHealthAlerts, DEFAULT_HEALTH_THRESHOLDS } from '../runs/health';
export { readHealthThresholds } from './settings';

function runItems(store: RunStoreApi): (vscode.QuickPickItem & { runId: string })[] {
  return store.listRuns()
    .slice()
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))
    .map((r) => ({
      runId: r.id,
      label: r.id,
      description: `${r.status} · step ${r.step}${r.maxSteps ? `/${r.maxSteps}` : ''}`,
      detail: r.model ?? undefined,
    }));
}

async function pickRun(store: RunStoreApi, title: string): Promise<string | undefined> {
  const items = runItems(store);
  if (!items.length) { void vscode.window.showInformationMessage('RL Studio: no runs yet. Start a training run first.'); return undefined; }
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Run' }))?.runId;
}

async function pickRuns(store: RunStoreApi): Promise<string[]> {
  const items = runItems(store);
  if (items.length < 2) { void vscode.window.showInformationMessage('RL Studio: comparing needs at least two runs.'); return []; }
  const picked = await vscode.window.showQuickPick(items, { title: 'Compare runs', placeHolder: 'Choose two or more runs', canPickMany: true });
  return (picked ?? []).map((p) => p.runId);
}

function stateRunIds(state: unknown): string[] {
  const ids = (state as { runIds?: unknown } | undefined)?.runIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

export function registerPanels(context: vscode.ExtensionContext, store: RunStoreApi): void {
  const uri = context.extensionUri;
  const dashboards = new Map<string, DashboardPanel>();
  const samples = new Map<string, SamplesPanel>();

  const createDashboard = (runIds: string[], panel?: vscode.WebviewPanel): DashboardPanel => {
    const key = dashboardKey(runIds);
    const title = runIds.length > 1 ? `Compare: ${runIds.join(' vs ')}` : `Dashboard: ${runIds[0]}`;
    panel ??= vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, title, vscode.ViewColumn.Active, webviewOptions(uri));
    const d = new DashboardPanel(panel, uri, store, runIds, () => { if (dashboards.get(key) === d) dashboards.delete(key); });
    dashboards.set(key, d);
    return d;
  };
  const openDashboard = (runIds: string[]) => {
    const existing = dashboards.get(dashboardKey(runIds));
    if (existing) existing.reveal(); else createDashboard(runIds);
  };
  const createSamples = (runId: string, panel?: vscode.WebviewPanel): SamplesPanel => {
    panel ??= vscode.window.createWebviewPanel(SAMPLES_VIEW_TYPE, `Samples: ${runId}`, vscode.ViewColumn.Active, webviewOptions(uri));
    const s = new SamplesPanel(panel, uri, store, runId, () => { if (samples.get(runId) === s) samples.delete(runId); });
    samples.set(runId, s);
    return s;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('rlstudio.openDashboard', async (...args: unknown[]) => {
      const id = runIdFromArgs(args) ?? await pickRun(store, 'Open dashboard');
      if (id) openDashboard([id]);
    }),
    vscode.commands.registerCommand('rlstudio.openSamples', async (...args: unknown[]) => {
      const id = runIdFromArgs(args) ?? await pickRun(store, 'Open samples');
      if (!id) return;
      const existing = samples.get(id);
      if (existing) existing.reveal(); else createSamples(id);
    }),
    vscode.commands.registerCommand('rlstudio.compareRuns', async (...args: unknown[]) => {
      let ids = runIdsFromArgs(args);
      if (ids.length < 2) ids = await pickRuns(store);
      if (ids.length) openDashboard(ids);
    }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        const ids = stateRunIds(state);
        if (!ids.length) { panel.dispose(); return; }
        createDashboard(ids, panel);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(SAMPLES_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        const [id] = stateRunIds(state);
        if (!id) { panel.dispose(); return; }
        createSamples(id, panel);
      },
    }),
    { dispose: () => { for (const d of [...dashboards.values()]) d.dispose(); for (const s of [...samples.values()]) s.dispose(); } },
  );
}
