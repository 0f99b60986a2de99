import { create } from 'zustand';

/** Whether a toast reports a failure or plain information. */
export type ToastKind = 'error' | 'info';

/** One transient message in the bottom-right corner. */
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

interface ToastState {
  toasts: Toast[];
  push(kind: ToastKind, message: string): void;
  dismiss(id: number): void;
}

const ERROR_TOAST_MS = 8000;
const INFO_TOAST_MS = 5000;
const MAX_TOASTS = 5;

let nextId = 1;

/** Toasts shown bottom right; each dismisses itself after a few seconds. */
export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  push(kind, message) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { id, kind, message }].slice(-MAX_TOASTS) }));
    setTimeout(() => get().dismiss(id), kind === 'error' ? ERROR_TOAST_MS : INFO_TOAST_MS);
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

/** Shows an error message as a toast. */
export function toastError(message: string): void {
  useToastStore.getState().push('error', message);
}

/** Shows an informational toast. */
export function toastInfo(message: string): void {
  useToastStore.getState().push('info', message);
}
