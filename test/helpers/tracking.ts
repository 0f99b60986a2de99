/**
 * Test-only helpers that need vitest: temp-dir cleanup per test and typed rejections.
 */
import { afterEach, expect } from 'vitest';
import { AppError } from '../../src/main/core/errors';
import { removeDir } from './repo';

/** Collects temp dirs made by a test file and removes them after each test. */
export function dirTracker(): (dir: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });
  return (dir: string) => {
    dirs.push(dir);
    return dir;
  };
}

/** The AppError a promise rejects with; fails the test if it resolves or throws something else. */
export async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
