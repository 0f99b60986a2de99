import { describe, expect, it } from 'vitest';
import { AppError } from '../src/main/core/errors';
import { CancellationScope, DisposableMap, toDisposable, withinDeadline } from '../src/main/core/lifecycle';

describe('DisposableMap', () => {
  it('disposes a value when its key is replaced or deleted, and every value when disposed', async () => {
    const disposed: string[] = [];
    const item = (name: string) => toDisposable(() => void disposed.push(name));
    const map = new DisposableMap<string>();
    map.set('a', item('a1'));
    map.set('a', item('a2'));
    map.set('b', item('b'));
    expect(disposed).toEqual(['a1']);
    await map.deleteAndDispose('b');
    expect(disposed).toEqual(['a1', 'b']);
    const leaked = map.deleteAndLeak('a');
    expect(map.size).toBe(0);
    map.set('c', item('c'));
    await map.dispose();
    expect(disposed).toEqual(['a1', 'b', 'c']);
    await leaked?.dispose();
    expect(disposed).toEqual(['a1', 'b', 'c', 'a2']);
    // After disposal a value set is released at once rather than leaked.
    map.set('late', item('late'));
    expect(disposed).toContain('late');
    expect(map.has('late')).toBe(false);
  });
});

describe('CancellationScope', () => {
  it('aborts its children with it, gives a child made after cancellation an aborted signal, and disposing means cancelled', () => {
    const root = new CancellationScope();
    const child = root.child();
    const grandchild = child.child();
    const sibling = root.child();
    sibling.dispose();
    expect(sibling.isCancelled).toBe(true);
    expect(root.isCancelled).toBe(false);
    root.cancel('the agent was stopped');
    expect(child.signal.aborted && grandchild.signal.aborted).toBe(true);
    expect(grandchild.reason).toBe('the agent was stopped');
    expect(root.child().isCancelled).toBe(true);
  });

  it('run ends with a "cancelled" error naming the work and why when its scope is cancelled, and passes other errors through', async () => {
    const scope = new CancellationScope();
    await expect(scope.run('Reading', async () => 42)).resolves.toBe(42);
    await expect(scope.run('Reading', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const running = scope.run(
      'Reading the changes of Otter',
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('git was killed')))),
    );
    scope.cancel('the agent was stopped');
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'cancelled', message: 'Reading the changes of Otter was cancelled because the agent was stopped.' });
    await expect(scope.run('Later work', async () => 1)).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('withinDeadline says whether the work settled in time', async () => {
    expect(await withinDeadline(Promise.resolve(), 1_000)).toBe(true);
    expect(await withinDeadline(Promise.reject(new Error('x')), 1_000)).toBe(true);
    expect(await withinDeadline(new Promise(() => undefined), 10)).toBe(false);
  });
});
