/**
 * `npm run check:packaging`: validates electron-builder.yml against electron-builder's own schema
 * and checks that every icon it names exists at the sizes each platform needs. Building the
 * packages themselves needs the Electron binary from GitHub; this check needs nothing online.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** PNG width and height from its IHDR chunk. */
function pngSize(file) {
  const buf = readFileSync(file);
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error(`${file} is not a PNG`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/**
 * Problems with the packaging configuration at `configFile` (relative to `projectDir`), as
 * messages; empty when it is valid.
 * @param {string} projectDir
 * @param {string} configFile
 * @returns {Promise<string[]>}
 */
export async function packagingProblems(projectDir = ROOT, configFile = 'electron-builder.yml') {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
  const { DebugLogger } = require('builder-util');
  const problems = [];
  let config;
  try {
    config = await getConfig(projectDir, join(projectDir, configFile), null);
    await validateConfiguration(config, new DebugLogger(false));
  } catch (error) {
    return [`${configFile}: ${error instanceof Error ? error.message : String(error)}`];
  }
  const resources = join(projectDir, config.directories?.buildResources ?? 'build');
  const icon = (platform) => config[platform]?.icon && join(projectDir, config[platform].icon);
  for (const [platform, ext] of [['mac', '.icns'], ['win', '.ico']]) {
    const file = icon(platform);
    if (!file || !file.endsWith(ext) || !existsSync(file)) problems.push(`${platform}.icon must name an existing ${ext} file (got ${config[platform]?.icon ?? 'nothing'}).`);
  }
  const linuxIcons = icon('linux');
  for (const size of [16, 32, 48, 64, 128, 256, 512]) {
    const file = linuxIcons && join(linuxIcons, `${size}x${size}.png`);
    if (!file || !existsSync(file)) {
      problems.push(`linux.icon folder lacks ${size}x${size}.png (run npx tsx scripts/make-icons.ts).`);
      continue;
    }
    const { width, height } = pngSize(file);
    if (width !== size || height !== size) problems.push(`${file} is ${width}x${height}, not ${size}x${size}.`);
  }
  if (!existsSync(join(resources, 'icon.png')) || pngSize(join(resources, 'icon.png')).width < 512) {
    problems.push(`${resources}/icon.png must exist and be at least 512x512.`);
  }
  const hook = config.afterPack && join(projectDir, config.afterPack);
  if (hook && !existsSync(hook)) problems.push(`afterPack names ${config.afterPack}, which does not exist.`);
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = await packagingProblems();
  if (problems.length > 0) {
    for (const problem of problems) console.error(`packaging: ${problem}`);
    process.exit(1);
  }
  console.log('packaging: electron-builder.yml and the icons are valid (building needs the Electron binary).');
}
