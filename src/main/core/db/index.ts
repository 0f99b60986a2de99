/** The database service: one SQLite connection, numbered migrations, one module per table group. */
export { openDatabase, FlotillaDb, BUSY_TIMEOUT_MS } from './database';
export { MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations';
export { ReposTable, type RepoRow } from './repos-table';
export { AgentsTable, type AgentRow, type AgentPatch } from './agents-table';
export { AttemptsTable, adHocAttempt, type AttemptRow } from './attempts-table';
export { ProcessesTable, type ProcessRow } from './processes-table';
export { JournalTable } from './journal-table';
export { TasksTable, type TaskRow, type TaskRevisionRow, type NewTask } from './tasks-table';
export {
  WorkflowRunsTable,
  type WorkflowRunRow,
  type WorkflowStepRow,
  type WorkflowRunStatus,
  type WorkflowStepStatus,
} from './workflow-runs-table';
export { TranscriptsTable, MAX_TRANSCRIPT_BYTES, type TranscriptChunk } from './transcripts-table';
