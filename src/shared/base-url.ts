/**
 * What is wrong with a provider's base URL, in words the user can act on; shared so the
 * settings form and the core say the same thing.
 */

const EXAMPLE = 'http://127.0.0.1:11434/v1';

/** The problem with `url` as a provider base URL, or null when it will do. An empty field is its own case. */
export function baseUrlProblem(url: string): string | null {
  const text = url.trim();
  if (!text) return `Enter the base URL, e.g. ${EXAMPLE}.`;
  // "localhost:11434/v1" parses as a URL whose scheme is "localhost:"; say what is missing instead.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return `"${text}" is not a full URL: start it with http:// or https://, e.g. ${EXAMPLE}.`;
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `"${text}" is not a valid URL. Give the server's base URL, e.g. ${EXAMPLE}.`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `The base URL must start with http:// or https:// (got ${parsed.protocol}//).`;
  }
  if (parsed.username || parsed.password) {
    // A password in the URL would be stored in the database in plain text; keys belong in the key store.
    return 'The base URL must not contain a user name or password. Set the key with "Set key" instead.';
  }
  return null;
}
