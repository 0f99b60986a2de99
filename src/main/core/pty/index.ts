/** The PTY service: terminals by id, with coalesced, flow-controlled, persisted output. */
export {
  PtyService,
  COALESCE_MS,
  MAX_COALESCE_BYTES,
  BACKGROUND_MAX_COALESCE_BYTES,
  INPUT_PRIORITY_MS,
  REPLAY_BYTES,
  TRANSCRIPT_FLUSH_MS,
  TRANSCRIPT_FLUSH_BYTES,
  KILL_DEADLINE_MS,
  type PtySpawnOptions,
  type PtyExitEvent,
  type PtyStartEvent,
  type TerminalSink,
} from './pty-service';
export {
  FlowControl,
  HIGH_WATERMARK_BYTES,
  LOW_WATERMARK_BYTES,
  BACKGROUND_HIGH_WATERMARK_BYTES,
  BACKGROUND_LOW_WATERMARK_BYTES,
  FOREGROUND_WINDOW,
  BACKGROUND_WINDOW,
  type FlowChange,
  type FlowWindow,
} from './flow-control';
export { TranscriptWriter, TRANSCRIPT_QUEUE_MAX_BYTES } from './transcript-writer';
export { defaultShell } from './default-shell';
export { renderScreen, REPLAY_SCROLLBACK_LINES, type SizedOutput } from './screen-replay';
