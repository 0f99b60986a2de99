/**
 * Runs once before the unit/integration project: installs the pinned coding CLIs the real-CLI
 * tests launch (from the npm registry, into .cache/test-clis; a no-op when already there), so
 * no two test files race to install them.
 */
import { ensureTestClis } from './cli/install-clis';

export default async function setup(): Promise<void> {
  await ensureTestClis();
}
