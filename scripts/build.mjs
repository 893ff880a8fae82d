// Bundles the extension host code (dist/extension.js) and each webview panel
// (webview/<panel>/main.ts -> dist/webview/<panel>.js) with esbuild.
// --production minifies; --watch rebuilds on change; --target <os>-<arch> (with --production, for a per-platform
// VSIX) also stages onnxruntime-node for that platform alone into dist/node_modules (see stageRuntime).
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const targetArg = process.argv.indexOf('--target');
const target = targetArg > 0 ? process.argv[targetArg + 1] : undefined;

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const builds = [
  { ...common, entryPoints: [join(root, 'extension/extension.ts')], outfile: join(root, 'dist/extension.js'),
    platform: 'node', format: 'cjs', target: 'node20',
    // onnxruntime-node loads its native binding from a path beside its own files: it stays a package (stageRuntime)
    external: ['vscode', 'onnxruntime-node'],
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

/** onnxruntime-node (its JS, and the native files of one platform only) and onnxruntime-common, copied to
 * dist/node_modules, where require('onnxruntime-node') from dist/extension.js finds them first. The VSIX is built with
 * --no-dependencies, so this is all of node_modules it carries. Without --target the root node_modules serves. */
function stageRuntime(platform) {
  const out = join(root, 'dist/node_modules');
  rmSync(out, { recursive: true, force: true });
  if (!platform) return;
  const [os, arch] = platform.replace(/^win32|^windows/, 'win32').split('-');
  const copy = (pkg, sub, keep) => {
    const from = join(root, 'node_modules', pkg, sub);
    if (!existsSync(from)) throw new Error(`build: ${from} is missing (run bash scripts/bootstrap.sh node)`);
    mkdirSync(join(out, pkg, sub), { recursive: true });
    let n = 0;
    for (const f of readdirSync(from, { withFileTypes: true })) {
      if (f.isFile() && keep(f.name)) { copyFileSync(join(from, f.name), join(out, pkg, sub, f.name)); n++; }
    }
    return n;
  };
  const js = (name) => name.endsWith('.js') || name === 'package.json';
  copy('onnxruntime-node', '.', (n) => n === 'package.json' || n === 'LICENSE');
  copy('onnxruntime-node', 'dist', js);
  if (!copy('onnxruntime-node', `bin/napi-v6/${os}/${arch}`, () => true)) throw new Error(`build: onnxruntime-node has no binaries for ${platform}`);
  copy('onnxruntime-common', '.', (n) => n === 'package.json' || n === 'LICENSE');
  copy('onnxruntime-common', 'dist/cjs', js);
  console.log(`staged onnxruntime-node for ${platform} in dist/node_modules`);
}
stageRuntime(production ? target : undefined);
if (watch) {
  for (const b of present) await (await esbuild.context(b)).watch();
  console.log(`watching ${present.length} bundles`);
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
  console.log(`built ${present.length} bundles${production ? ' (production)' : ''}`);
}
