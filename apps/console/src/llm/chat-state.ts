import type { ChatError, ChatMessage, ChatProgress, Usage } from './chat-stream';

export type AnswerStatus = 'waiting' | 'streaming' | 'done' | 'stopped' | 'failed';

export interface UserTurn {
  id: number;
  role: 'user';
  content: string;
}

export interface AnswerTurn {
  id: number;
  role: 'assistant';
  content: string;
  status: AnswerStatus;
  /** When the question was sent, its first token came and the answer ended (the clock runChat was given). */
  sentAt: number;
  firstTokenAt: number | null;
  endedAt: number | null;
  usage: Usage | null;
  /** `stop`, or `length` when the model reached its token limit. */
  finishReason: string | null;
  error: ChatError | null;
  requestId: string | null;
}

export type Turn = UserTurn | AnswerTurn;

export interface ChatState {
  turns: Turn[];
  nextId: number;
}

export type ChatAction = { type: 'send'; text: string; at: number } | { type: 'clear' } | ChatProgress;

export const EMPTY_CHAT: ChatState = { turns: [], nextId: 1 };

/** The answer being written, if any. */
export function pendingAnswer(state: ChatState): AnswerTurn | null {
  const last = state.turns[state.turns.length - 1];
  return last?.role === 'assistant' && (last.status === 'waiting' || last.status === 'streaming') ? last : null;
}

export const isBusy = (state: ChatState): boolean => pendingAnswer(state) !== null;

function updatePending(state: ChatState, change: (turn: AnswerTurn) => AnswerTurn): ChatState {
  const pending = pendingAnswer(state);
  if (!pending) return state; // late news of an answer that has ended (stopped, cleared): nothing to change
  return { ...state, turns: [...state.turns.slice(0, -1), change(pending)] };
}

/**
 * The conversation in the chat screen: the user's messages and the model's answers, each answer
 * growing as its tokens come, with how it ended and its figures. Times come in the actions, so
 * the state is a pure function of what happened.
 */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'send': {
      const text = action.text.trim();
      if (!text || isBusy(state)) return state;
      const question: UserTurn = { id: state.nextId, role: 'user', content: text };
      const answer: AnswerTurn = {
        id: state.nextId + 1,
        role: 'assistant',
        content: '',
        status: 'waiting',
        sentAt: action.at,
        firstTokenAt: null,
        endedAt: null,
        usage: null,
        finishReason: null,
        error: null,
        requestId: null,
      };
      return { turns: [...state.turns, question, answer], nextId: state.nextId + 2 };
    }
    case 'clear':
      return isBusy(state) ? state : EMPTY_CHAT;
    case 'answering':
      return updatePending(state, (t) => ({ ...t, requestId: action.requestId }));
    case 'content':
      return updatePending(state, (t) => ({
        ...t,
        content: t.content + action.text,
        status: 'streaming',
        firstTokenAt: t.firstTokenAt ?? action.at,
      }));
    case 'finish':
      return updatePending(state, (t) => ({ ...t, finishReason: action.reason }));
    case 'usage':
      return updatePending(state, (t) => ({ ...t, usage: action.usage }));
    case 'error':
      // vLLM's error event: the answer ends there (its [DONE] follows), with what was written so far.
      return updatePending(state, (t) => ({ ...t, status: 'failed', error: action.error, endedAt: action.at }));
    case 'failed':
      return updatePending(state, (t) => ({
        ...t,
        status: 'failed',
        error: { ...action.error, requestId: action.error.requestId ?? t.requestId },
        endedAt: action.at,
      }));
    case 'end':
      return updatePending(state, (t) => ({ ...t, status: 'done', endedAt: action.at }));
    case 'stopped':
      return updatePending(state, (t) => ({ ...t, status: 'stopped', endedAt: action.at }));
  }
}

/**
 * The conversation as the next request sends it: every message of the user, and the model's
 * answers as far as they went (a stopped answer is part of the conversation, as in OpenAI's
 * own chat). A question whose answer failed before its first token is left out with it.
 */
export function requestMessages(state: ChatState): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let i = 0; i < state.turns.length; i++) {
    const turn = state.turns[i]!;
    if (turn.role === 'assistant') continue;
    const answer = state.turns[i + 1];
    if (answer?.role === 'assistant' && answer.status !== 'waiting' && answer.status !== 'streaming') {
      if (!answer.content) continue;
      messages.push({ role: 'user', content: turn.content }, { role: 'assistant', content: answer.content });
    } else {
      messages.push({ role: 'user', content: turn.content });
    }
  }
  return messages;
}

export interface AnswerFigures {
  /** Milliseconds from sending to the first token. */
  firstTokenMs: number | null;
  /** Milliseconds from sending to the end. */
  totalMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Completion tokens per second after the first one came. */
  tokensPerSecond: number | null;
}

export function answerFigures(turn: AnswerTurn): AnswerFigures {
  const firstTokenMs = turn.firstTokenAt === null ? null : turn.firstTokenAt - turn.sentAt;
  const totalMs = turn.endedAt === null ? null : turn.endedAt - turn.sentAt;
  const completionTokens = turn.usage?.completion_tokens ?? null;
  const writing = turn.firstTokenAt !== null && turn.endedAt !== null ? (turn.endedAt - turn.firstTokenAt) / 1000 : 0;
  return {
    firstTokenMs,
    totalMs,
    promptTokens: turn.usage?.prompt_tokens ?? null,
    completionTokens,
    // The first token starts the clock, so it is not counted in the rate.
    tokensPerSecond: completionTokens !== null && completionTokens > 1 && writing > 0 ? (completionTokens - 1) / writing : null,
  };
}
