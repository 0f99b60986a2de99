import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseState, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { applyFuses, FUSES, fuseWire } from '../scripts/electron-fuses.mjs';
import { APP_INDEX_URL, isAppUrl, resolveAppRequest } from '../src/main/app-protocol';
import { devRendererUrl } from '../src/main/dev-renderer';
import { shellCsp } from '../src/main/shell-csp';
import { removeDir, tempDir } from './helpers/repo';

const ROOT = '/opt/flotilla/out/renderer';

describe('the app:// protocol', () => {
  it('maps app://flotilla/ paths to files of the renderer', () => {
    expect(resolveAppRequest(ROOT, APP_INDEX_URL)).toBe(`${ROOT}/index.html`);
    expect(resolveAppRequest(ROOT, 'app://flotilla/')).toBe(`${ROOT}/index.html`);
    expect(resolveAppRequest(ROOT, 'app://flotilla/assets/index-abc.js?v=1#x')).toBe(`${ROOT}/assets/index-abc.js`);
    expect(resolveAppRequest(ROOT, 'app://flotilla/assets/a%20b.css')).toBe(`${ROOT}/assets/a b.css`);
  });

  it('refuses path traversal, plain, encoded or with backslashes', () => {
    for (const url of [
      'app://flotilla/../secret',
      'app://flotilla/assets/../../secret',
      'app://flotilla/%2e%2e/secret',
      'app://flotilla/..%2fsecret',
      'app://flotilla/assets%2f..%2f..%2fsecret',
      'app://flotilla/..%5csecret',
      'app://flotilla/a%00.js',
      'app://flotilla/%E0%A4%A',
    ]) {
      expect(resolveAppRequest(ROOT, url), url).toBeNull();
    }
  });

  it('answers only its own scheme and host', () => {
    expect(resolveAppRequest(ROOT, 'app://other/index.html')).toBeNull();
    expect(resolveAppRequest(ROOT, 'file:///opt/flotilla/out/renderer/index.html')).toBeNull();
    expect(resolveAppRequest(ROOT, 'not a url')).toBeNull();
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://flotilla.evil/index.html')).toBe(false);
    expect(isAppUrl('http://flotilla/index.html')).toBe(false);
  });
});

describe("the desktop app's CSP", () => {
  it('lets the packaged renderer connect only to its own origin', () => {
    const csp = shellCsp();
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/ws:|wss:|http:|unsafe-eval/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("adds only the dev server's HMR socket and inline script in development", () => {
    const csp = shellCsp('http://localhost:5173');
    expect(csp).toContain("connect-src 'self' ws://localhost:5173;");
    expect(csp).toContain("script-src 'self' 'unsafe-inline';");
  });
});

describe('ELECTRON_RENDERER_URL', () => {
  const url = 'http://localhost:5173/';
  it('is honoured only by a development build run unpackaged', () => {
    expect(devRendererUrl({ devBuild: true, packaged: false, url })).toBe(url);
    expect(devRendererUrl({ devBuild: false, packaged: false, url })).toBeNull();
    expect(devRendererUrl({ devBuild: true, packaged: true, url })).toBeNull();
    expect(devRendererUrl({ devBuild: true, packaged: false, url: undefined })).toBeNull();
  });

  it('must be plain http on this machine', () => {
    expect(devRendererUrl({ devBuild: true, packaged: false, url: 'http://127.0.0.1:5173' })).toBe('http://127.0.0.1:5173/');
    for (const bad of ['https://evil.example/', 'http://evil.example:5173/', 'file:///tmp/x.html', 'javascript:alert(1)', 'nonsense']) {
      expect(devRendererUrl({ devBuild: true, packaged: false, url: bad }), bad).toBeNull();
    }
  });
});

describe('Electron fuses', () => {
  const dir = tempDir('flotilla-fuses-');
  afterAll(() => removeDir(dir));

  it('keeps RunAsNode (our agent and network bridge need it) and switches off what Flotilla does not use', () => {
    expect(FUSES).toMatchObject({
      RunAsNode: true,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      GrantFileProtocolExtraPrivileges: false,
      OnlyLoadAppFromAsar: false,
    });
    const wire = fuseWire(FuseV1Options as unknown as Record<string, number>, FuseVersion.V1);
    expect(wire.version).toBe(FuseVersion.V1);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(wire[FuseV1Options.RunAsNode]).toBe(true);
  });

  it('names only fuses the library knows', () => {
    expect(() => fuseWire({ RunAsNode: 0 }, FuseVersion.V1)).toThrow(/no fuse named EnableCookieEncryption/);
  });

  it('flips the fuses of a binary once, and leaves it alone when they are already set', async () => {
    // A stand-in binary: the fuse sentinel, wire version 1, nine fuses all enabled.
    const binary = join(dir, 'electron');
    const wireLength = 9;
    writeFileSync(binary, Buffer.concat([Buffer.from('ELF junk '), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, wireLength]), Buffer.from('1'.repeat(wireLength)), Buffer.from(' more junk')]));
    expect(await applyFuses(binary)).toEqual({ applied: true });
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.WasmTrapHandlers]).toBe(FuseState.ENABLE);
    const before = readFileSync(binary);
    expect(await applyFuses(binary)).toEqual({ applied: false, reason: 'already set' });
    expect(readFileSync(binary).equals(before)).toBe(true);
  });
});
