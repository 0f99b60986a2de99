/**
 * Electron fuses: features compiled into the Electron binary that Flotilla switches off because
 * it does not use them, so nothing else can use them either. `npm start` applies them to the
 * Electron binary before launching it (once; the binary then keeps them).
 */

/**
 * Fuse name (as in @electron/fuses' FuseV1Options) → on or off.
 * @type {Readonly<Record<string, boolean>>}
 */
export const FUSES = Object.freeze({
  // Must stay on: Flotilla runs its own agent and the sandbox's network bridge with this very
  // binary as plain Node (process.execPath with ELECTRON_RUN_AS_NODE=1), inside a PTY and
  // inside bwrap, where a utilityProcess cannot go, and a system Node is not guaranteed to
  // exist. It grants nothing an agent lacks: agents already run programs as the user.
  RunAsNode: true,
  EnableCookieEncryption: true,
  // NODE_OPTIONS and --inspect would let an environment variable or argument run code in the
  // main process, which holds the decrypted keys.
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  // Flotilla runs from its folder (`electron .`), not from an asar archive: asar-only loading
  // and asar integrity would stop it from starting.
  EnableEmbeddedAsarIntegrityValidation: false,
  OnlyLoadAppFromAsar: false,
  LoadBrowserProcessSpecificV8Snapshot: false,
  // The renderer is served from app://, so file:// needs none of its old privileges.
  GrantFileProtocolExtraPrivileges: false,
});

/**
 * The options object for @electron/fuses' flipFuses: FUSES keyed by the library's enum.
 * @param {Record<string, number | string>} fuseOptions the library's FuseV1Options
 * @param {number | string} version the library's FuseVersion.V1
 */
export function fuseWire(fuseOptions, version) {
  /** @type {Record<string | number, unknown>} */
  const wire = { version };
  for (const [name, on] of Object.entries(FUSES)) {
    const key = fuseOptions[name];
    if (typeof key !== 'number') throw new Error(`@electron/fuses has no fuse named ${name}; update scripts/electron-fuses.mjs.`);
    wire[key] = on;
  }
  return wire;
}

/**
 * Applies FUSES to the Electron binary at `electronPath` unless it already has them.
 * Resolves false (with a reason) when @electron/fuses is not installed.
 * @param {string} electronPath
 * @returns {Promise<{ applied: boolean; reason?: string }>}
 */
export async function applyFuses(electronPath) {
  let lib;
  try {
    lib = await import('@electron/fuses');
  } catch {
    return { applied: false, reason: '@electron/fuses is not installed (it is a devDependency)' };
  }
  const current = await lib.getCurrentFuseWire(electronPath);
  const wire = fuseWire(lib.FuseV1Options, lib.FuseVersion.V1);
  const differs = Object.entries(wire).some(([key, on]) => {
    if (key === 'version') return false;
    const state = current[Number(key)];
    return state !== (on ? lib.FuseState.ENABLE : lib.FuseState.DISABLE);
  });
  if (!differs) return { applied: false, reason: 'already set' };
  await lib.flipFuses(electronPath, { ...wire, resetAdHocDarwinSignature: process.platform === 'darwin' && process.arch === 'arm64' });
  return { applied: true };
}
