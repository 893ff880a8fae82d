// The webview's side of the channel to the extension: typed postMessage and persisted UI state.
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface Channel<Out, State> {
  post(message: Out): void;
  getState(): Partial<State> | undefined;
  setState(state: State): void;
}

let api: VsCodeApi | undefined;

export function channel<Out, State>(): Channel<Out, State> {
  // acquireVsCodeApi may be called only once per page.
  api ??= acquireVsCodeApi();
  const a = api;
  return {
    post: (m) => a.postMessage(m),
    getState: () => (a.getState() ?? undefined) as Partial<State> | undefined,
    setState: (s) => a.setState(s),
  };
}

/** Listens for extension messages that pass `accept`, then says ready (the host sends nothing before that). */
export function listen<In>(accept: (d: unknown) => d is In, onMessage: (m: In) => void, ready: () => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    if (accept(e.data)) onMessage(e.data);
  });
  ready();
}
