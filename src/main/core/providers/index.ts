/** The providers service: built-in and custom model providers, their keys, prices, and token/cost accounting. */
export { ProviderService, type ProviderInput, type ResolvedProvider, type UsageReport } from './provider-service';
export {
  FileSecretStore,
  flotillaKeyEnvName,
  isKeyEnvName,
  keyFromEnv,
  vendorKeyFromEnv,
  vendorKeyEnvNames,
  type KeySource,
  type SecretStore,
} from './secret-store';
export { KEY_FILE_MODE, keyFileProblem, readOwnerOnlyJson, writeOwnerOnlyJson } from './key-file';
export { BUILTIN_PROVIDERS, DEFAULT_PRICES, OPENAI_COMPATIBLE_EXAMPLES, type BuiltinProvider } from './defaults';
export { costUsd, findPrice, mergePrices } from './cost';
export { KEY_HANDOVER_VARIABLE, keyVariables, relaunchWithoutKeys, takeHandedKeys } from './key-handover';
