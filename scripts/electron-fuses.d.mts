/** Types for electron-fuses.mjs (plain JavaScript so that scripts/start.mjs can run it with Node). */
export declare const FUSES: Readonly<Record<string, boolean>>;
export declare function fuseWire(fuseOptions: Record<string, number | string>, version: number | string): Record<string | number, unknown>;
export declare function applyFuses(electronPath: string): Promise<{ applied: boolean; reason?: string }>;
