/** The coding-CLI catalog: presets as data, custom entries, detection, and per-agent launch plans. */
export {
  CatalogService,
  findExecutable,
  parseVersion,
  VERSION_TIMEOUT_MS,
  VERSION_WAIT_MS,
  SHELL_CHECK_TIMEOUT_MS,
  DETECTION_CACHE_MS,
} from "./catalog-service";
export {
  buildCliLaunch,
  reportCommand,
  shellQuote,
  openAiBaseUrl,
  type CliLaunch,
  type CliLaunchOptions,
  type CliProvider,
} from "./launch";
export {
  CLI_PRESETS,
  customPreset,
  type CliPreset,
  type CliIntegration,
  type TaskDelivery,
} from "./presets";
