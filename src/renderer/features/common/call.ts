import type { MethodName, ParamsOf, ResultOf } from '../../../shared/contract';
import type { Result } from '../../../shared/types';
import { getClient } from '../../transport';
import { toastError } from '../../stores/toast-store';

/**
 * Invokes a contract method and never throws: a transport failure (e.g. a dropped socket)
 * becomes an `internal` error result like any other, so callers handle one shape.
 */
export async function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Result<ResultOf<M>>> {
  try {
    return await getClient().invoke(method, params);
  } catch (err) {
    const message = err instanceof Error && err.message ? err.message : 'The request failed.';
    return { ok: false, error: { code: 'internal', message } };
  }
}

/** Invokes a method; on failure shows the error's message in a toast and resolves to undefined. */
export async function callOrToast<M extends MethodName>(
  method: M,
  params: ParamsOf<M>,
): Promise<ResultOf<M> | undefined> {
  const result = await call(method, params);
  if (result.ok) return result.value;
  toastError(result.error.message);
  return undefined;
}
