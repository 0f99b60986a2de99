import { describe, expect, it } from 'vitest';
import { agentKeyFor, routeRequest, type GatewayRoute } from '../src/main/core/sandbox';

const TOKEN = 'f'.repeat(64);
const routes = (r: Partial<GatewayRoute> = {}) =>
  new Map<string, GatewayRoute>([[TOKEN, { token: TOKEN, target: 'https://api.example', kind: 'openai', key: 'real', ...r }]]);

describe('provider gateway routing (pure)', () => {
  it('strips the token from the path and replaces the Bearer key with the real one', () => {
    const r = routeRequest(`/${TOKEN}/v1/chat/completions?x=1`, { authorization: `Bearer ${agentKeyFor(TOKEN)}` }, routes());
    expect(r).toMatchObject({ path: '/v1/chat/completions?x=1', headers: { authorization: 'Bearer real' } });
  });

  it('removes the agent key for a server that needs none, and adds the vendor header when the client sent no key', () => {
    expect(routeRequest(`/${TOKEN}/v1/models`, { authorization: 'Bearer whatever' }, routes({ key: null }))!.headers).not.toHaveProperty('authorization');
    expect(routeRequest(`/${TOKEN}/v1/messages`, {}, routes({ kind: 'anthropic' }))!.headers).toMatchObject({ 'x-api-key': 'real' });
    expect(routeRequest(`/${TOKEN}`, {}, routes())!.path).toBe('/');
  });

  it('refuses an unknown token, a token that is only a prefix, a real-looking key, and an absolute URL', () => {
    expect(routeRequest('/v1/models', { authorization: 'Bearer real' }, routes())).toBeNull();
    expect(routeRequest(`/${TOKEN}x/v1/models`, {}, routes())).toBeNull();
    expect(routeRequest(`/${TOKEN.slice(0, 63)}/v1/models`, {}, routes())).toBeNull();
    expect(routeRequest(`http://other/${TOKEN}/v1`, {}, routes())).toBeNull();
    expect(routeRequest('/v1/models', { 'x-goog-api-key': TOKEN }, routes())).toBeNull();
  });
});
