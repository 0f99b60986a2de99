/**
 * electron-builder's afterPack hook: sets on the packaged Electron binary the same fuses that
 * `npm start` sets on the development one (scripts/electron-fuses.mjs holds the list).
 */
const { join } = require('node:path');

/** The Electron executable inside electron-builder's unpacked app folder, per platform. */
function executableOf(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(context.appOutDir, `${name}.app`);
    case 'win32':
      return join(context.appOutDir, `${name}.exe`);
    default:
      return join(context.appOutDir, context.packager.executableName);
  }
}

module.exports = async function afterPack(context) {
  const { applyFuses } = await import('./electron-fuses.mjs');
  const executable = executableOf(context);
  const { applied, reason } = await applyFuses(executable);
  if (!applied && reason !== 'already set') throw new Error(`could not set the Electron fuses on ${executable}: ${reason}`);
};

module.exports.executableOf = executableOf;
