/** The PTY service: terminals by id, with coalesced, flow-controlled, persisted output. */
export {
  PtyService,
  COALESCE_MS,
  MAX_COALESCE_BYTES,
  REPLAY_BYTES,
  TRANSCRIPT_FLUSH_MS,
  TRANSCRIPT_FLUSH_BYTES,
  KILL_DEADLINE_MS,
  type PtySpawnOptions,
  type PtyExitEvent,
  type PtyStartEvent,
  type TerminalSink,
} from './pty-service';
export { FlowControl, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES, type FlowChange } from './flow-control';
export { defaultShell } from './default-shell';
