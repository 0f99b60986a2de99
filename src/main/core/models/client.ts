/** Picks the adapter for a provider kind. */
import { createAnthropicClient } from './anthropic';
import { createGoogleClient } from './google';
import { createOpenAiClient } from './openai';
import type { ModelClient, ModelEndpoint } from './types';

/** The ModelClient for `endpoint.provider`; OpenAI-compatible servers speak Chat Completions. */
export function createModelClient(endpoint: ModelEndpoint): ModelClient {
  const options = { apiKey: endpoint.apiKey, model: endpoint.model, baseUrl: endpoint.baseUrl };
  switch (endpoint.provider) {
    case 'openai':
    case 'openai-compatible':
      return createOpenAiClient(options);
    case 'anthropic':
      return createAnthropicClient(options);
    case 'google':
      return createGoogleClient(options);
  }
}
