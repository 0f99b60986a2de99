/** Types for check-packaging.mjs (plain JavaScript so that Node runs it without a build). */
export declare function packagingProblems(projectDir?: string, configFile?: string): Promise<string[]>;
