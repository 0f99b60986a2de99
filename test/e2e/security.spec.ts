import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryUpgrade } from '../helpers/http';
import { startServer, type ServerHandle } from './harness';

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web mode refuses requests that are not its own', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ token: 'sekrit-token-abc' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a page request without the token and serves it with the token', async () => {
    expect(await get(`${server.origin}/`)).toBe(401);
    expect(await get(`${server.origin}/?token=wrong`)).toBe(401);
    expect(await get(`${server.origin}/?token=sekrit-token-abc`)).toBe(200);
  });

  it('refuses a request with a foreign Origin or Host even with the token', async () => {
    expect(await get(`${server.origin}/?token=sekrit-token-abc`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await get(`${server.origin}/?token=sekrit-token-abc`, { Host: 'evil.example' })).toBe(403);
  });

  it('refuses a WebSocket without the token or from a foreign Origin', async () => {
    const ws = server.origin.replace('http', 'ws') + '/ws';
    expect(await tryUpgrade(ws, { Origin: server.origin })).not.toBe('open');
    expect(await tryUpgrade(`${ws}?token=sekrit-token-abc`, { Origin: 'http://evil.example' })).not.toBe('open');
    expect(await tryUpgrade(`${ws}?token=sekrit-token-abc`, { Origin: server.origin })).toBe('open');
  });
});
