/** Picks the adapter for a provider kind. */
import type { AgentConfig, ModelClient } from '../types';
import { createAnthropicClient } from './anthropic';
import { createGoogleClient } from './google';
import { createOpenAiClient } from './openai';

/** The ModelClient for `config.provider`. */
export function createModelClient(config: Pick<AgentConfig, 'provider' | 'apiKey' | 'model' | 'baseUrl'>): ModelClient {
  const options = { apiKey: config.apiKey, model: config.model, baseUrl: config.baseUrl };
  switch (config.provider) {
    case 'openai':
    case 'openai-compatible':
      return createOpenAiClient(options);
    case 'anthropic':
      return createAnthropicClient(options);
    case 'google':
      return createGoogleClient(options);
  }
}
