// Checks a packaged per-platform VSIX (run by `npm run package`): its size stays under the limit (default 25 MiB),
// it carries onnxruntime-node's native files for its own platform and for no other, and it prints what takes the
// room. Exits 1 with the reasons otherwise.
// usage: node scripts/check-vsix.mjs <os>-<arch> [vsix (default rl-studio-<os>-<arch>-<version>.vsix)] [--max-mib N]
import { readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const maxArg = args.indexOf('--max-mib');
const maxMiB = maxArg >= 0 ? Number(args.splice(maxArg, 2)[1]) : 25;
const [target, vsixArg] = args;
if (!/^\w+-\w+$/.test(target ?? '')) { console.error('usage: node scripts/check-vsix.mjs <os>-<arch> [vsix] [--max-mib N]'); process.exit(2); }
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = vsixArg ?? join(root, `${name}-${target}-${version}.vsix`);

/** [{name, size, compressed}] from the zip's central directory. */
export function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error(`${vsix}: not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${vsix}: damaged central directory at entry ${i}`);
    const nameLength = buf.readUInt16LE(at + 28);
    entries.push({ name: buf.toString('utf8', at + 46, at + 46 + nameLength), compressed: buf.readUInt32LE(at + 20), size: buf.readUInt32LE(at + 24) });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

const entries = zipEntries(readFileSync(vsix));
const bytes = statSync(vsix).size;
const [os, arch] = target.split('-');
const ownBin = `extension/dist/node_modules/onnxruntime-node/bin/napi-v6/${os}/${arch}/`;
const native = entries.filter((e) => /\.(node|dll|dylib)$|\.so(\.\d+)*$/.test(e.name));
const problems = [];
if (bytes > maxMiB * 1024 * 1024) problems.push(`${(bytes / 2 ** 20).toFixed(1)} MiB is over the ${maxMiB} MiB limit`);
for (const e of native.filter((e) => !e.name.startsWith(ownBin))) problems.push(`${e.name}: a native file outside ${ownBin}`);
for (const want of ['onnxruntime_binding.node']) {
  if (!native.some((e) => e.name === ownBin + want)) problems.push(`${ownBin}${want} is missing: the ONNX backend cannot load`);
}
if (!native.some((e) => e.name.startsWith(`${ownBin}libonnxruntime`) || e.name.startsWith(`${ownBin}onnxruntime.dll`))) {
  problems.push(`${ownBin}: the onnxruntime library is missing`);
}
console.log(`${vsix}: ${(bytes / 2 ** 20).toFixed(2)} MiB (limit ${maxMiB} MiB), ${entries.length} files, native: ${native.map((e) => e.name.split('/').slice(-3).join('/')).join(', ') || 'none'}`);
for (const e of [...entries].sort((a, b) => b.compressed - a.compressed).slice(0, 5)) {
  console.log(`  ${(e.compressed / 2 ** 20).toFixed(2).padStart(6)} MiB packed (${(e.size / 2 ** 20).toFixed(2)} MiB)  ${e.name}`);
}
if (problems.length) {
  for (const p of problems) console.error(`check-vsix: ${p}`);
  process.exit(1);
}
