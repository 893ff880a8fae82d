// What the inference panel asks of a backend: the PyTorch serve process (ServeClient) and the in-editor ONNX runtime
// (OnnxBackend) both answer it with the serve protocol's reply shapes, so the panel does not know which one runs.
// No `vscode` import.
import type { BatchDoneReply, ChatMessage, GeneratedReply, LoadedReply, PromptsReply, Sampling, ScoredReply } from '../../schemas/generated/serveProtocol';

/** A request the backend refused or could not do; its message is for the user. */
export class BackendError extends Error {}

export interface GenerateInput {
  prompt?: string;
  messages?: ChatMessage[];
  sampling?: Sampling;
  score?: boolean;
  reference?: string | null;
  columns?: Record<string, unknown>;
}

export interface LoadSpec { checkpoint: string; device?: string; dtype?: LoadedReply['dtype'] }

export type BackendId = 'pytorch' | 'onnx';
export const BACKEND_LABELS: Record<BackendId, string> = { pytorch: 'PyTorch (serve)', onnx: 'ONNX (in editor)' };

export interface InferenceBackend {
  readonly id: BackendId;
  load(model: string, spec: LoadSpec): Promise<LoadedReply>;
  unload(model: string): Promise<void>;
  generate(model: string, input: GenerateInput, onText: (text: string) => void, signal?: AbortSignal): Promise<GeneratedReply>;
  score(model: string, input: Omit<GenerateInput, 'sampling' | 'score'> & { completions: string[] }): Promise<ScoredReply>;
  prompts(model: string, limit?: number): Promise<PromptsReply>;
  batch(model: string, input: { prompts_file: string; output?: string; sampling?: Sampling; limit?: number },
    onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<BatchDoneReply>;
  dispose(): Promise<void>;
}
