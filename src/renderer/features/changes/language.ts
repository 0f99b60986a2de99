/** The parts of a Monaco language registration used to pick a language for a file. */
export interface LanguageEntry {
  id: string;
  extensions?: string[];
  filenames?: string[];
}

/** Extensions we map ourselves: no JSON tokenizer is bundled, and JavaScript's reads it well. */
const OVERRIDES: Record<string, string> = {
  '.json': 'javascript',
  '.jsonc': 'javascript',
  '.yml': 'yaml',
};

/** Picks the Monaco language for a path from its file name or extension; 'plaintext' if none. */
export function languageForPath(path: string, languages: readonly LanguageEntry[]): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const lowerName = name.toLowerCase();
  for (const lang of languages) {
    if (lang.filenames?.some((f) => f.toLowerCase() === lowerName)) return lang.id;
  }
  const dot = lowerName.lastIndexOf('.');
  if (dot <= 0) return 'plaintext';
  const ext = lowerName.slice(dot);
  if (OVERRIDES[ext]) return OVERRIDES[ext];
  for (const lang of languages) {
    if (lang.extensions?.some((e) => e.toLowerCase() === ext)) return lang.id;
  }
  return 'plaintext';
}
