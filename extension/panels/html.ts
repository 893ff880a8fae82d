// The HTML shell of every RL Studio webview. Pure (no `vscode`): the panel hosts and the Chromium tests build the
// page with the same function, so the tests run the real CSP.
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  title: string;
  /** URI of dist/webview/<panel>.js as the webview sees it. */
  scriptUri: string;
  /** URI of dist/webview/<panel>.css (esbuild writes it next to the bundle). */
  styleUri: string;
  /** webview.cspSource: the origin the bundle is served from. */
  cspSource: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** Strict CSP: nothing remote, scripts only by nonce, no inline event handlers, no eval, no network. Styles from the
 * bundle only; component styles use constructable stylesheets, which CSP does not gate. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const nonce = o.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
