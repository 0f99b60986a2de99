/** Agent activity: the CLI's own signals from its report file, and an output/process fallback. */
export { ActivityTracker, DEFAULT_QUIET_MS, RESIZE_REDRAW_MS, type QuietActivity } from "./activity-tracker";
export {
  ReportWatcher,
  parseReportLine,
  REPORT_POLL_MS,
  type ReportLine,
} from "./report-watcher";
export {
  CliUsageWatcher,
  CLI_USAGE_POLL_MS,
  newCodexFileState,
  parseClaudeLine,
  parseCodexLine,
  parseGeminiLine,
  usageDirsFor,
  type CliUsage,
  type CliUsageWatcherOptions,
  type CodexFileState,
  type ParsedUsage,
} from "./cli-usage";
export { OpencodeUsageWatcher, opencodeDatabase, parseOpencodeMessage } from './opencode-usage';
