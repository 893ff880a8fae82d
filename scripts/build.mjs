// Bundles the extension host code (dist/extension.js) and each webview panel
// (webview/<panel>/main.ts -> dist/webview/<panel>.js) with esbuild.
// --production minifies; --watch rebuilds on change.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const builds = [
  { ...common, entryPoints: [join(root, 'extension/extension.ts')], outfile: join(root, 'dist/extension.js'),
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
    // jsonc-parser's UMD "main" requires its parts dynamically, which a bundle cannot resolve: take its ESM build.
    mainFields: ['module', 'main'] },
];
const webviewDir = join(root, 'webview');
for (const panel of existsSync(webviewDir) ? readdirSync(webviewDir, { withFileTypes: true }) : []) {
  const entry = join(webviewDir, panel.name, 'main.ts');
  if (!panel.isDirectory() || !existsSync(entry)) continue;
  builds.push({ ...common, entryPoints: [entry], outfile: join(root, `dist/webview/${panel.name}.js`),
    platform: 'browser', format: 'iife', target: 'es2022' });
}
const present = builds.filter((b) => existsSync(b.entryPoints[0]));
if (watch) {
  for (const b of present) await (await esbuild.context(b)).watch();
  console.log(`watching ${present.length} bundles`);
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
  console.log(`built ${present.length} bundles${production ? ' (production)' : ''}`);
}
