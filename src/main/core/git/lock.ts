/**
 * Serializes operations per repository: worktree, branch and merge operations on one
 * repository run one after another, never interleaved. Different repositories run in parallel.
 */
export class RepoLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every operation queued before it on `key` has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
