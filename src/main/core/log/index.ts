/**
 * The core's log (logger.ts: daily files, redaction) and the sink that writes agent launches and
 * exits into it (agent-log.ts).
 */
export * from './logger';
export { agentLogSink } from './agent-log';
