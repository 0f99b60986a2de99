/** The database service: one SQLite connection, numbered migrations, one module per table group. */
export { openDatabase, FlotillaDb, BUSY_TIMEOUT_MS } from './database';
export { MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations';
export { ReposTable, type RepoRow } from './repos-table';
export { AgentsTable, type AgentRow, type AgentPatch } from './agents-table';
export { RunsTable, type RunRow } from './runs-table';
export { EventsTable, type EventRow } from './events-table';
export { TranscriptsTable, MAX_TRANSCRIPT_BYTES, type TranscriptChunk } from './transcripts-table';
