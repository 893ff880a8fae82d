// The CSS variables VS Code gives a webview, for the default light, dark and high-contrast (dark) themes (a subset:
// what the panels and @vscode-elements read). VS Code sets them on <html> and the theme kind as a <body> class
// (vscode-light, vscode-dark, vscode-high-contrast).
export type ThemeKind = 'light' | 'dark' | 'high-contrast';
export const THEMES: ThemeKind[] = ['light', 'dark', 'high-contrast'];

const common: Record<string, string> = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  '--vscode-editor-font-size': '13px',
};

const dark: Record<string, string> = {
  '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d', '--vscode-disabledForeground': '#cccccc80', '--vscode-errorForeground': '#f85149',
  '--vscode-focusBorder': '#0078d4', '--vscode-panel-border': '#2b2b2b', '--vscode-widget-border': '#313131',
  '--vscode-editorWidget-border': '#454545', '--vscode-sideBar-background': '#181818',
  '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-button-border': '#ffffff12',
  '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c', '--vscode-input-placeholderForeground': '#989898',
  '--vscode-dropdown-background': '#313131', '--vscode-dropdown-foreground': '#cccccc', '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-listBackground': '#1f1f1f',
  '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c', '--vscode-checkbox-foreground': '#cccccc',
  '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-inactiveSelectionBackground': '#37373d',
  '--vscode-editorHoverWidget-background': '#202020', '--vscode-editorHoverWidget-foreground': '#cccccc', '--vscode-editorHoverWidget-border': '#454545',
  '--vscode-editor-selectionBackground': '#264f78', '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700', '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': '#cccccc80',
  '--vscode-terminal-ansiCyan': '#11a8cd', '--vscode-terminal-ansiMagenta': '#bc3fbc',
  '--vscode-editorWarning-foreground': '#cca700', '--vscode-editorError-foreground': '#f14c4c', '--vscode-editorInfo-foreground': '#3794ff',
  '--vscode-inputValidation-warningBackground': '#352a05', '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-inputValidation-infoBackground': '#063b49',
  '--vscode-diffEditor-insertedTextBackground': '#9ccc2c33', '--vscode-progressBar-background': '#0078d4', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxBorder': '#3c3c3c', '--vscode-settings-checkboxForeground': '#cccccc', '--vscode-icon-foreground': '#cccccc',
  '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc', '--vscode-settings-textInputBorder': '#3c3c3c',
  '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-settings-dropdownBorder': '#3c3c3c', '--vscode-settings-dropdownListBorder': '#454545',
  '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-focusOutline': '#0078d4', '--vscode-list-highlightForeground': '#2aaaff', '--vscode-widget-shadow': '#0000005c',
};

const light: Record<string, string> = {
  '--vscode-foreground': '#3b3b3b', '--vscode-editor-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff',
  '--vscode-descriptionForeground': '#717171', '--vscode-disabledForeground': '#61616180', '--vscode-errorForeground': '#f85149',
  '--vscode-focusBorder': '#005fb8', '--vscode-panel-border': '#e5e5e5', '--vscode-widget-border': '#e5e5e5',
  '--vscode-editorWidget-border': '#c8c8c8', '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-button-border': '#0000001a',
  '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-input-placeholderForeground': '#767676',
  '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-listBackground': '#ffffff',
  '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece', '--vscode-checkbox-foreground': '#3b3b3b',
  '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
  '--vscode-editorHoverWidget-background': '#f8f8f8', '--vscode-editorHoverWidget-foreground': '#3b3b3b', '--vscode-editorHoverWidget-border': '#c8c8c8',
  '--vscode-editor-selectionBackground': '#add6ff', '--vscode-textCodeBlock-background': '#f3f3f3',
  '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90',
  '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-foreground': '#616161', '--vscode-charts-lines': '#61616180',
  '--vscode-terminal-ansiCyan': '#0598bc', '--vscode-terminal-ansiMagenta': '#bc05bc',
  '--vscode-editorWarning-foreground': '#bf8803', '--vscode-editorError-foreground': '#e51400', '--vscode-editorInfo-foreground': '#1a85ff',
  '--vscode-inputValidation-warningBackground': '#f6f5d2', '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-inputValidation-infoBackground': '#d6ecf2',
  '--vscode-diffEditor-insertedTextBackground': '#9ccc2c40', '--vscode-progressBar-background': '#005fb8', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxBorder': '#cecece', '--vscode-settings-checkboxForeground': '#3b3b3b', '--vscode-icon-foreground': '#3b3b3b',
  '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
  '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-dropdownBorder': '#cecece', '--vscode-settings-dropdownListBorder': '#c8c8c8',
  '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-focusOutline': '#005fb8', '--vscode-list-highlightForeground': '#0066bf', '--vscode-widget-shadow': '#00000029',
};

// VS Code's "Dark High Contrast": black, white text, cyan borders, no colour carried by background alone.
const highContrast: Record<string, string> = {
  ...dark,
  '--vscode-foreground': '#ffffff', '--vscode-editor-foreground': '#ffffff', '--vscode-editor-background': '#000000',
  '--vscode-descriptionForeground': '#ffffffb3', '--vscode-disabledForeground': '#a5a5a5', '--vscode-contrastBorder': '#6fc3df',
  '--vscode-contrastActiveBorder': '#f38518', '--vscode-focusBorder': '#f38518', '--vscode-panel-border': '#6fc3df',
  '--vscode-widget-border': '#6fc3df', '--vscode-editorWidget-border': '#6fc3df', '--vscode-sideBar-background': '#000000',
  '--vscode-button-background': '#000000', '--vscode-button-border': '#6fc3df', '--vscode-button-secondaryBackground': '#000000',
  '--vscode-button-secondaryForeground': '#ffffff', '--vscode-input-background': '#000000', '--vscode-input-border': '#6fc3df',
  '--vscode-dropdown-background': '#000000', '--vscode-dropdown-border': '#6fc3df', '--vscode-dropdown-listBackground': '#000000',
  '--vscode-checkbox-background': '#000000', '--vscode-checkbox-border': '#6fc3df', '--vscode-list-hoverBackground': '#000000',
  '--vscode-textCodeBlock-background': '#000000', '--vscode-editorHoverWidget-background': '#0c141f',
  '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f48771', '--vscode-charts-yellow': '#ffff00', '--vscode-charts-foreground': '#ffffff',
  '--vscode-editorWarning-foreground': '#ffd370', '--vscode-editorError-foreground': '#f48771', '--vscode-progressBar-background': '#6fc3df',
};

export function themeCss(kind: ThemeKind): string {
  const vars = { ...common, ...(kind === 'dark' ? dark : kind === 'high-contrast' ? highContrast : light) };
  return `html {\n${Object.entries(vars).map(([k, v]) => `  ${k}: ${v};`).join('\n')}\n}\n`;
}
