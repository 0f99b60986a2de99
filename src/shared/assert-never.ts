/**
 * Exhaustiveness check for switches over closed unions: a new member the switch forgot is a type
 * error at build time, and a value outside the union (bad data) throws here at run time.
 */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
