import {
  answerFigures,
  chatReducer,
  EMPTY_CHAT,
  isBusy,
  requestMessages,
  type AnswerTurn,
  type ChatAction,
  type ChatState,
} from './chat-state';

const play = (actions: ChatAction[], from: ChatState = EMPTY_CHAT) => actions.reduce(chatReducer, from);
const lastAnswer = (state: ChatState) => state.turns.at(-1) as AnswerTurn;
const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

describe('the chat state', () => {
  it('grows the answer token by token, then ends it with its figures', () => {
    const sent = play([{ type: 'send', text: '  Which tram reaches Careggi?\n', at: 1000 }]);
    expect(sent.turns).toMatchObject([
      { role: 'user', content: 'Which tram reaches Careggi?' },
      { role: 'assistant', content: '', status: 'waiting' },
    ]);
    expect(isBusy(sent)).toBe(true);

    const writing = play(
      [
        { type: 'answering', requestId: 'r-1', at: 1100 },
        { type: 'content', text: 'You', at: 1250 },
        { type: 'content', text: ' said', at: 1300 },
      ],
      sent,
    );
    // An intermediate state: what has come so far, still being written.
    expect(lastAnswer(writing)).toMatchObject({ content: 'You said', status: 'streaming', firstTokenAt: 1250, requestId: 'r-1' });
    expect(isBusy(writing)).toBe(true);

    const done = play(
      [
        { type: 'content', text: ':', at: 1350 },
        { type: 'finish', reason: 'stop', at: 1350 },
        { type: 'usage', usage, at: 1360 },
        { type: 'end', at: 1450 },
      ],
      writing,
    );
    expect(lastAnswer(done)).toMatchObject({ content: 'You said:', status: 'done', finishReason: 'stop', usage, endedAt: 1450 });
    expect(isBusy(done)).toBe(false);
    expect(answerFigures(lastAnswer(done))).toEqual({
      firstTokenMs: 250,
      totalMs: 450,
      promptTokens: 12,
      completionTokens: 5,
      // 4 tokens after the first, in 0.2 s.
      tokensPerSecond: 20,
    });
  });

  it('keeps what was written when stopped, and ignores what still comes for the stopped answer', () => {
    const stopped = play([
      { type: 'send', text: 'Tell me a long story', at: 0 },
      { type: 'content', text: 'Once', at: 100 },
      { type: 'stopped', at: 150 },
      { type: 'content', text: ' upon', at: 160 },
      { type: 'end', at: 170 },
    ]);
    expect(lastAnswer(stopped)).toMatchObject({ content: 'Once', status: 'stopped', endedAt: 150 });
    expect(answerFigures(lastAnswer(stopped))).toMatchObject({
      firstTokenMs: 100,
      totalMs: 150,
      completionTokens: null,
      tokensPerSecond: null,
    });
  });

  it('ends the answer at an error event with its text so far, and a refusal keeps its own request id', () => {
    const error = { message: 'the engine failed mid-generation', type: 'InternalServerError' };
    const failed = play([
      { type: 'send', text: 'Hello', at: 0 },
      { type: 'answering', requestId: 'r-2', at: 5 },
      { type: 'content', text: 'You', at: 10 },
      { type: 'error', error, at: 20 },
      { type: 'end', at: 30 },
    ]);
    expect(lastAnswer(failed)).toMatchObject({ content: 'You', status: 'failed', error, endedAt: 20 });

    const refused = play([
      { type: 'send', text: 'Hello', at: 0 },
      { type: 'failed', error: { message: 'The model `x` does not exist.', status: 404, requestId: 'r-3' }, at: 5 },
    ]);
    expect(lastAnswer(refused).error).toEqual({ message: 'The model `x` does not exist.', status: 404, requestId: 'r-3' });
    const cut = play([
      { type: 'send', text: 'Hello', at: 0 },
      { type: 'answering', requestId: 'r-4', at: 5 },
      { type: 'failed', error: { message: 'cut off' }, at: 9 },
    ]);
    expect(lastAnswer(cut).error).toEqual({ message: 'cut off', requestId: 'r-4' });
  });

  it('takes no new message and no clearing while an answer is being written', () => {
    const busy = play([{ type: 'send', text: 'First', at: 0 }]);
    expect(play([{ type: 'send', text: 'Second', at: 1 }], busy)).toBe(busy);
    expect(play([{ type: 'clear' }], busy)).toBe(busy);
    expect(play([{ type: 'send', text: '   ', at: 1 }])).toBe(EMPTY_CHAT);
    const over = play([{ type: 'end', at: 2 }, { type: 'clear' }], busy);
    expect(over).toEqual(EMPTY_CHAT);
  });

  it('sends the conversation so far: answers as far as they went, without questions whose answer never started', () => {
    const state = play([
      { type: 'send', text: 'One', at: 0 },
      { type: 'content', text: 'Answer one', at: 1 },
      { type: 'end', at: 2 },
      { type: 'send', text: 'Two', at: 3 },
      { type: 'failed', error: { message: 'unreachable' }, at: 4 },
      { type: 'send', text: 'Three', at: 5 },
      { type: 'content', text: 'Half', at: 6 },
      { type: 'stopped', at: 7 },
      { type: 'send', text: 'Four', at: 8 },
    ]);
    expect(requestMessages(state)).toEqual([
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Answer one' },
      { role: 'user', content: 'Three' },
      { role: 'assistant', content: 'Half' },
      { role: 'user', content: 'Four' },
    ]);
  });
});
