// The Runs view: one item per run with checkpoints as children. The row's label carries the facts (status, warm
// start n/N or step / max steps, reward, health badge) so they survive the default sidebar width; the run's name
// and elapsed time follow as its description (the full name is in the tooltip and the accessible label).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunStore } from '../runs/runStore';
import type { RunSummary, RunStatus } from '../runs/types';
import type { CheckpointEvent } from '../../schemas/generated/trainerEvent';
import type { HealthAlert } from '../../webview/protocol';
import { checkpointText, runAccessibleLabel, treeDescription, treeLabel } from './runPresentation';
import { RunHealthCache, healthBadge } from './runHealthBadge';
import { readHealthThresholds } from '../panels/settings';
import { algorithmLabel } from '../runs/algorithm';

export type RunsTreeNode = { kind: 'run'; runId: string } | { kind: 'checkpoint'; runId: string; checkpoint: CheckpointEvent };

const ICONS: Record<RunStatus, [string, string | undefined]> = {
  running: ['sync~spin', 'charts.blue'],
  completed: ['pass', 'testing.iconPassed'],
  stopped: ['debug-pause', 'charts.yellow'],
  failed: ['error', 'testing.iconFailed'],
  unknown: ['question', undefined],
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): void }[] = [];
  private pending: NodeJS.Timeout | undefined;
  private readonly health: RunHealthCache;

  constructor(private readonly store: RunStore) {
    this.health = new RunHealthCache(store, readHealthThresholds());
    // Coalesce bursts (a fast run writes many events a second) into one redraw.
    const schedule = (): void => {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        this.changed.fire(undefined);
      }, 250);
    };
    this.subscriptions.push(store.onDidChangeRuns(schedule), store.onDidChangeRun(schedule),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('rlstudio.health')) return;
        this.health.setThresholds(readHealthThresholds());
        schedule();
      }));
  }

  getChildren(node?: RunsTreeNode): RunsTreeNode[] {
    if (!node) {
      const runs = this.store.listRuns();
      this.health.retain(runs.map((r) => r.id));
      return runs.map((r) => ({ kind: 'run', runId: r.id }));
    }
    if (node.kind !== 'run') return [];
    const run = this.store.getRun(node.runId);
    if (!run) return [];
    return [...run.checkpoints].reverse().map((checkpoint) => ({ kind: 'checkpoint', runId: run.id, checkpoint }));
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    const run = this.store.getRun(node.runId);
    if (!run) return new vscode.TreeItem(node.runId);
    return node.kind === 'run' ? runItem(run, this.health.alertsFor(run)) : checkpointItem(run, node.checkpoint);
  }

  getParent(node: RunsTreeNode): RunsTreeNode | undefined {
    return node.kind === 'checkpoint' ? { kind: 'run', runId: node.runId } : undefined;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function runItem(run: RunSummary, alerts: HealthAlert[]): vscode.TreeItem {
  const badge = healthBadge(alerts);
  const item = new vscode.TreeItem(treeLabel(run, badge?.text), run.checkpoints.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.dir}`;
  item.description = treeDescription(run, Date.now());
  const [icon, color] = ICONS[run.status];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `rlstudio.run.${run.status}${run.checkpoints.length ? '.resumable' : ''}`;
  item.accessibilityInformation = { label: runAccessibleLabel(run, badge?.label) };
  item.resourceUri = vscode.Uri.file(run.dir);
  const tip = new vscode.MarkdownString();
  tip.appendMarkdown(`**${run.id}** — ${run.status}\n\n`);
  tip.appendText(`${algorithmLabel(run.algorithm)} · ${run.model ?? '?'} · ${run.device ?? '?'}\n${run.dir}`);
  if (run.error) tip.appendText(`\n\nError: ${run.error}`);
  if (run.malformedLines) tip.appendText(`\n\n${run.malformedLines} malformed line(s) in events.jsonl skipped`);
  appendHealth(tip, alerts);
  item.tooltip = tip;
  item.command = { command: 'rlstudio.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
  return item;
}

const ALERT_ICONS: Record<HealthAlert['level'], string> = { error: '$(error)', warning: '$(warning)', info: '$(info)' };

/** Each alert with what to try; alert text is appended as text (a trainer's message is not markdown). */
function appendHealth(tip: vscode.MarkdownString, alerts: HealthAlert[]): void {
  if (!alerts.length) return;
  tip.supportThemeIcons = true;
  tip.appendMarkdown('\n\n---\n\n**Run health**');
  for (const a of alerts) {
    tip.appendMarkdown(`\n\n${ALERT_ICONS[a.level]} `);
    tip.appendText(a.message);
    if (a.hint) {
      tip.appendMarkdown('\n\n*Try:* ');
      tip.appendText(a.hint);
    }
  }
}

function checkpointItem(run: RunSummary, c: CheckpointEvent): vscode.TreeItem {
  const { label, description } = checkpointText(c);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `ckpt:${run.dir}:${c.path}`;
  item.description = description;
  item.tooltip = c.path;
  item.iconPath = new vscode.ThemeIcon(c.kind === 'best' ? 'star-full' : 'save');
  item.contextValue = 'rlstudio.checkpoint';
  item.resourceUri = vscode.Uri.file(path.join(run.dir, c.path));
  item.accessibilityInformation = { label: `Checkpoint ${label} of run ${run.id}` };
  return item;
}
