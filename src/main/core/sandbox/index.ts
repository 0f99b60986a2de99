/** The OS sandbox for agents: bubblewrap on Linux, sandbox-exec on macOS. */
export {
  detectSandbox,
  wrapCommand,
  bwrapArgs,
  pathsHiddenByPrivateTmp,
  hiddenPaths,
  homeToolchainPaths,
  SOCKET_FILTER_PATH,
  type SandboxGit,
  seatbeltProfile,
  HOME_SECRETS,
  PROBE_TIMEOUT_MS,
  type SandboxOptions,
} from "./sandbox";
export {
  ProviderGatewayHub,
  agentKeyFor,
  endToEndHeaders,
  newGatewayToken,
  routeRequest,
  startProviderGateway,
  type GatewayRoute,
  type ProviderGateway,
} from "./provider-gateway";
export { planProviderNetwork, gatewayBaseUrl, BRIDGE_PORT, type ProviderNetworkPlan } from "./provider-network";
export { ensureSocketFilterFile, unixSocketFilter, withSocketFilter } from "./socket-filter";
