// One webview panel on the extension side: the HTML with its CSP, the ready handshake, and a queue for messages
// sent before the webview listens or while it is hidden (a hidden webview drops posted messages).
import * as vscode from 'vscode';
import { renderWebviewHtml } from './html';

/** Past this many queued messages a full snapshot on reveal is cheaper than replaying them. */
const MAX_QUEUED = 200;

export interface PanelHostOptions<Out> {
  panel: vscode.WebviewPanel;
  extensionUri: vscode.Uri;
  /** dist/webview/<bundle>.js and .css */
  bundle: string;
  title: string;
  /** Called on every `ready` (first load, and each time VS Code rebuilds a hidden webview): post a full snapshot. */
  onReady: () => void;
  onMessage: (msg: Out) => void;
  onDispose: () => void;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    retainContextWhenHidden: false,
  };
}

export class PanelHost<In, Out extends { type: string }> implements vscode.Disposable {
  private ready = false;
  private queue: In[] = [];
  private overflowed = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly panel: vscode.WebviewPanel;

  constructor(private readonly o: PanelHostOptions<Out>) {
    this.panel = o.panel;
    const webview = o.panel.webview;
    webview.options = webviewOptions(o.extensionUri);
    const asset = (ext: string) => webview.asWebviewUri(vscode.Uri.joinPath(o.extensionUri, 'dist', 'webview', `${o.bundle}.${ext}`)).toString();
    webview.html = renderWebviewHtml({ title: o.title, scriptUri: asset('js'), styleUri: asset('css'), cspSource: webview.cspSource });
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: Out) => {
        if (m?.type === 'ready') {
          this.ready = true;
          this.queue = [];
          this.overflowed = false;
          o.onReady();
        } else if (m && typeof m.type === 'string') {
          o.onMessage(m);
        }
      }),
      o.panel.onDidChangeViewState(() => { if (o.panel.visible) this.flush(); }),
      o.panel.onDidDispose(() => this.dispose()),
    );
  }

  get visible(): boolean { return this.panel.visible; }

  post(msg: In): void {
    if (this.ready && this.panel.visible && this.queue.length === 0) {
      void this.panel.webview.postMessage(msg);
      return;
    }
    if (this.overflowed) return;
    this.queue.push(msg);
    if (this.queue.length > MAX_QUEUED) { this.queue = []; this.overflowed = true; }
  }

  private flush(): void {
    if (!this.ready) return;
    if (this.overflowed) {
      this.overflowed = false;
      this.o.onReady();
      return;
    }
    const pending = this.queue;
    this.queue = [];
    for (const m of pending) void this.panel.webview.postMessage(m);
  }

  private disposed = false;
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    this.o.onDispose();
  }
}
