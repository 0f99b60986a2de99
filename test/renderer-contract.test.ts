import { describe, expect, it } from 'vitest';
import type { Result } from '../src/shared/types';
import { latestOnly, type Loaded } from '../src/renderer/features/common/use-contract';

/** A load the test answers by hand, in any order. */
function deferred<T>(): { promise: Promise<Result<T>>; answer(r: Result<T>): void } {
  let answer!: (r: Result<T>) => void;
  const promise = new Promise<Result<T>>((resolve) => (answer = resolve));
  return { promise, answer };
}

describe('latestOnly (the core of useContract)', () => {
  it('publishes loading, then the value', async () => {
    const seen: Loaded<number>[] = [];
    const query = latestOnly<number>((l) => seen.push(l));
    await query.load(async () => ({ ok: true, value: 7 }));
    expect(seen).toEqual([{ state: 'loading' }, { state: 'ok', value: 7 }]);
  });

  it('turns an error result into its message', async () => {
    const seen: Loaded<number>[] = [];
    const query = latestOnly<number>((l) => seen.push(l));
    await query.load(async () => ({ ok: false, error: { code: 'not-found', message: 'No such agent.' } }));
    expect(seen.at(-1)).toEqual({ state: 'error', message: 'No such agent.' });
  });

  it('drops an answer that arrives after a newer load started', async () => {
    const seen: Loaded<string>[] = [];
    const query = latestOnly<string>((l) => seen.push(l));
    const first = deferred<string>();
    const second = deferred<string>();
    const a = query.load(() => first.promise);
    const b = query.load(() => second.promise);
    second.answer({ ok: true, value: 'new' });
    await b;
    first.answer({ ok: true, value: 'old' });
    await a;
    expect(seen.filter((l) => l.state === 'ok')).toEqual([{ state: 'ok', value: 'new' }]);
  });

  it('publishes nothing after disposal (the component went away)', async () => {
    const seen: Loaded<string>[] = [];
    const query = latestOnly<string>((l) => seen.push(l));
    const pending = deferred<string>();
    const load = query.load(() => pending.promise);
    query.dispose();
    pending.answer({ ok: true, value: 'late' });
    await load;
    expect(seen).toEqual([{ state: 'loading' }]);
  });
});
