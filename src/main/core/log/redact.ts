/**
 * Keeps keys and tokens out of the log. Two nets: every secret Flotilla holds is registered here
 * when it is read, saved or minted (provider keys, gateway tokens, the web token) and replaced
 * wherever it appears; and anything shaped like a key (vendor prefixes, `key=…` assignments,
 * bearer headers, credentials in URLs, long random-looking strings) is replaced too.
 */

const REDACTED = '[redacted]';
/** Shorter values are not treated as secrets: replacing them would garble ordinary words. */
const MIN_SECRET_LENGTH = 8;
/** Registered secrets kept at most; the oldest are dropped past this (tokens of long-gone agents). */
const MAX_SECRETS = 1000;

const secrets = new Set<string>();

/** Registers a value that must never reach the log (an API key, a token). */
export function rememberSecret(value: string | null | undefined): void {
  const v = value?.trim();
  if (!v || v.length < MIN_SECRET_LENGTH || secrets.has(v)) return;
  secrets.add(v);
  if (secrets.size > MAX_SECRETS) secrets.delete(secrets.values().next().value as string);
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Vendor key shapes: OpenAI/Anthropic (sk-…), Google (AIza…), GitHub, Slack, AWS, Flotilla's gateway keys.
  [/\bsk-[A-Za-z0-9_-]{12,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED],
  [/\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{20,}/g, REDACTED],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\bAKIA[0-9A-Z]{16}\b/g, REDACTED],
  [/\bflotilla-local-[A-Za-z0-9_-]+/g, REDACTED],
  // Authorization headers and credentials in URLs.
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // NAME=value or "name": "value" where the name says key, token, secret or password.
  [
    /\b([A-Za-z0-9_.-]*(?:api[_-]?key|apikey|token|secret|password|passwd|credential)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi,
    `$1$2${REDACTED}`,
  ],
  // Long random-looking strings: 64+ hex digits (a token; a SHA-1 commit id has 40, kept), or 32+
  // base64url characters mixing cases and digits.
  [/\b[0-9a-f]{64,}\b/gi, REDACTED],
  [/(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g, REDACTED],
];

/** `text` with every registered secret and everything shaped like a key replaced by "[redacted]". */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
