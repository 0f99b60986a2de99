/**
 * The models service: one client per vendor (OpenAI and OpenAI-compatible, Anthropic, Google) on
 * the official SDKs, streamed turns with tools, structured output validated by zod, the retry
 * policy, and which vendor an agent's model comes from. Any part of the core may call a model here.
 */
export { createModelClient } from './client';
export {
  generateObject,
  parseStructuredAnswer,
  MAX_OBJECT_ATTEMPTS,
  DEFAULT_OBJECT_MAX_TRIES,
  DEFAULT_OBJECT_RETRY_BASE_MS,
  type GenerateObjectOptions,
  type GenerateObjectResult,
  type ModelError,
  type ModelErrorCode,
  type ModelProvider,
} from './structured';
export { streamWithIdleTimeout, DEFAULT_IDLE_TIMEOUT_MS } from './streaming';
export {
  abortableSleep,
  backoffDelayMs,
  classifyProviderError,
  describeFailure,
  isRetryable,
  parseRetryAfter,
  withRetry,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  ProviderFailure,
  RetryExhausted,
  type FailureKind,
  type RetryOptions,
} from './retry';
export { describeIssues, dropAddedNulls, geminiSchema, openAiStrictSchema, toJsonSchema, UnsupportedSchema, type JsonSchema } from './json-schema';
export { vendorOf, vendorOfModel, vendorOfProvider, VENDORS, type AgentVendorSpec, type CliVendor, type Vendor } from './vendor';
export { toOpenAiMessages } from './openai';
export { toAnthropicMessages, ANTHROPIC_MAX_TOKENS } from './anthropic';
export { toGeminiContents } from './google';
export type {
  ChatMessage,
  ModelClient,
  ModelEndpoint,
  ObjectRequest,
  ObjectResponse,
  ObjectSchema,
  TokenUsage,
  ToolCall,
  ToolResult,
  ToolSpec,
  TurnRequest,
  TurnResponse,
} from './types';
