import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { controlledBody } from '../testing/streams';
import { Chat, figuresText } from './Chat';
import { ChatFailure, type SendChat } from './chat-stream';
import type { AnswerTurn } from './chat-state';

const MODEL = {
  id: 'llama',
  object: 'model' as const,
  created: 1,
  owned_by: 'rootadmin',
  machine: 'gpu-1',
  machine_id: 'ab'.repeat(32),
  endpoint: 'llama',
};
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'llama', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A model whose answer the test writes, recording what it was asked and whether the call was aborted. */
function fakeModel() {
  const calls: { messages: unknown; signal: AbortSignal; body: ReturnType<typeof controlledBody> }[] = [];
  const send: SendChat = async (request, signal) => {
    const body = controlledBody();
    // As fetch does: an abort errors the body being read.
    signal.addEventListener('abort', () => body.fail(new DOMException('aborted', 'AbortError')));
    calls.push({ messages: request.messages, signal, body });
    return { body: body.body, requestId: `r-${calls.length}` };
  };
  return { send, calls };
}

const composer = () => screen.getByRole('textbox', { name: 'Message' });
const answerText = () => screen.getAllByTestId('chat-answer-text').at(-1)!.textContent;
const write = async (call: { body: ReturnType<typeof controlledBody> }, text: string) => {
  await act(async () => {
    call.body.push(text);
    await new Promise((r) => setTimeout(r, 5));
  });
};

describe('the chat screen', () => {
  it('sends with Enter, shows the answer as it is written, then its figures', async () => {
    const model = fakeModel();
    render(<Chat model={MODEL} send={model.send} />);
    expect(screen.getByRole('log', { name: 'Conversation with llama' })).toBeTruthy();
    fireEvent.change(composer(), { target: { value: 'Which tram reaches Careggi?' } });
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(model.calls).toHaveLength(1));
    expect(model.calls[0]!.messages).toEqual([{ role: 'user', content: 'Which tram reaches Careggi?' }]);
    expect((composer() as HTMLTextAreaElement).value).toBe('');
    expect(screen.getByText('Waiting for the first token…')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();

    await write(model.calls[0]!, chunk('You'));
    expect(answerText()).toBe('You');
    expect(screen.getByRole('log').getAttribute('aria-busy')).toBe('true');
    await write(model.calls[0]!, chunk(' said'));
    expect(answerText()).toBe('You said');
    expect(screen.getByTestId('chat-answer').getAttribute('data-status')).toBe('streaming');

    await write(
      model.calls[0]!,
      chunk(':', 'stop') +
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } })}\n\ndata: [DONE]\n\n`,
    );
    await waitFor(() => expect(screen.getByTestId('chat-answer').getAttribute('data-status')).toBe('done'));
    expect(answerText()).toBe('You said:');
    expect(screen.getByTestId('chat-figures').textContent).toMatch(
      /^first token after \d+ ms · \d+ ms in all · 11 prompt \+ 3 answer tokens/,
    );
    expect(screen.getByTestId('chat-status').textContent).toMatch(/^Answer complete: first token after/);
    expect(screen.getByRole('log').getAttribute('aria-busy')).toBe('false');
    // Shift+Enter is a new line, not a message.
    fireEvent.change(composer(), { target: { value: 'And back?' } });
    fireEvent.keyDown(composer(), { key: 'Enter', shiftKey: true });
    expect(model.calls).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(model.calls).toHaveLength(2));
    expect(model.calls[1]!.messages).toEqual([
      { role: 'user', content: 'Which tram reaches Careggi?' },
      { role: 'assistant', content: 'You said:' },
      { role: 'user', content: 'And back?' },
    ]);
  });

  it('stops the answer with Escape (aborting the call), keeping what was written and the keyboard in the composer', async () => {
    const model = fakeModel();
    render(<Chat model={MODEL} send={model.send} />);
    fireEvent.change(composer(), { target: { value: 'Tell me a long story' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(model.calls).toHaveLength(1));
    await write(model.calls[0]!, chunk('Once'));
    fireEvent.keyDown(composer(), { key: 'Escape' });
    expect(model.calls[0]!.signal.aborted).toBe(true);
    await waitFor(() => expect(screen.getByTestId('chat-answer').getAttribute('data-status')).toBe('stopped'));
    expect(answerText()).toBe('Once');
    expect(screen.getByText('stopped')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    expect(document.activeElement).toBe(composer());

    // The Stop button, from the keyboard: once it goes away, the focus is back in the composer, not lost.
    fireEvent.change(composer(), { target: { value: 'Another one' } });
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(model.calls).toHaveLength(2));
    const stopButton = screen.getByRole('button', { name: 'Stop' });
    act(() => stopButton.focus());
    fireEvent.click(stopButton);
    expect(model.calls[1]!.signal.aborted).toBe(true);
    await waitFor(() => expect(screen.getAllByTestId('chat-answer').at(-1)!.getAttribute('data-status')).toBe('stopped'));
    expect(document.activeElement).toBe(composer());
  });

  it('shows a refusal in OpenAI’s shape with its status, type, code and request id', async () => {
    const send: SendChat = async () => {
      throw new ChatFailure({
        message: 'The model `llama` does not exist.',
        status: 404,
        type: 'not_found_error',
        code: 'model_not_found',
        requestId: 'r-9',
      });
    };
    render(<Chat model={MODEL} send={send} />);
    fireEvent.change(composer(), { target: { value: 'Hello' } });
    fireEvent.keyDown(composer(), { key: 'Enter' });
    const alert = await screen.findByTestId('chat-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe('The model `llama` does not exist.HTTP 404 · not_found_error · model_not_found · request r-9');
    expect(screen.getByTestId('chat-answer').getAttribute('data-status')).toBe('failed');
  });
});

describe('an answer’s figures', () => {
  const turn = (over: Partial<AnswerTurn>): AnswerTurn => ({
    id: 2,
    role: 'assistant',
    content: 'x',
    status: 'done',
    sentAt: 0,
    firstTokenAt: 180,
    endedAt: 2680,
    usage: { prompt_tokens: 20, completion_tokens: 26, total_tokens: 46 },
    finishReason: 'stop',
    error: null,
    requestId: null,
    ...over,
  });
  it('reads as a person would say them', () => {
    expect(figuresText(turn({}))).toBe('first token after 180 ms · 2.7 s in all · 20 prompt + 26 answer tokens · 10.0 tokens/s');
    expect(figuresText(turn({ usage: null }))).toBe('first token after 180 ms · 2.7 s in all · no token count from the model');
    expect(figuresText(turn({ status: 'stopped', usage: null, firstTokenAt: null }))).toBe('2.7 s in all');
  });
});
