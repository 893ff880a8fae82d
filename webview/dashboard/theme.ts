// Chart colours from the VS Code theme (light, dark, high contrast), read from the webview's CSS variables.
export interface ChartTheme {
  palette: string[];
  foreground: string;
  grid: string;
  background: string;
  font: string;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): ChartTheme {
  const fg = cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#888'));
  return {
    palette: [
      cssVar('--vscode-charts-blue', '#3794ff'), cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'), cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'), cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-terminal-ansiCyan', '#11a8cd'), cssVar('--vscode-terminal-ansiMagenta', '#bc3fbc'),
    ],
    foreground: fg,
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    background: cssVar('--vscode-editor-background', '#ffffff'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

/** The colour with an alpha, for bands and raw lines under a smoothed one. Works for #rgb, #rrggbb and rgb(). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) { const [r, g, b] = m[1].split('').map((x) => parseInt(x + x, 16)); return `rgba(${r},${g},${b},${alpha})`; }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (m) { const n = parseInt(m[1], 16); return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`; }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(c);
  if (rgb) return `rgba(${rgb[1]},${rgb[2]},${rgb[3]},${alpha})`;
  return c;
}
