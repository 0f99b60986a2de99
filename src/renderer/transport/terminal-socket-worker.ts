/**
 * Web Worker that owns the page's WebSocket, so terminal bytes are received off the page's
 * main thread. Text frames (calls, results, events) are passed on as they come. Binary frames
 * (terminal output, see encodeTerminalFrame) are merged per agent by an OutputBatcher and
 * posted as one batch, transferred, whenever the page is ready for one: the page says so once
 * its terminals have parsed the last batch. Protocol: worker-socket.ts.
 */
import type { ToWorker, FromWorker } from './worker-socket';
import { OutputBatcher } from './output-batcher';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let socket: WebSocket | null = null;
const batcher = new OutputBatcher((frames, urgent) =>
  scope.postMessage(urgent ? { t: 'frames', frames, urgent } : { t: 'frames', frames }, frames),
);

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.t) {
    case 'open': {
      const ws = new WebSocket(message.url, message.protocols);
      socket = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => scope.postMessage({ t: 'open' });
      ws.onerror = () => scope.postMessage({ t: 'error' });
      ws.onclose = (e) => {
        // Output that arrived before the close still belongs before it.
        batcher.flush();
        scope.postMessage({ t: 'close', code: e.code, reason: e.reason });
      };
      ws.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) batcher.receive(e.data);
        else if (typeof e.data === 'string') scope.postMessage({ t: 'text', data: e.data });
      };
      return;
    }
    case 'send':
      if (socket?.readyState === WebSocket.OPEN) socket.send(message.data);
      return;
    case 'close':
      socket?.close(message.code, message.reason);
      return;
    case 'ready':
      batcher.pageReady();
      return;
  }
};
