import { useEffect, useLayoutEffect, useReducer, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Alert, AlertTitle, Box, Button, Chip, CircularProgress, TextField, Typography } from '@mui/material';
import { visuallyHidden } from '@mui/utils';
import SendIcon from '@mui/icons-material/Send';
import StopIcon from '@mui/icons-material/Stop';
import AddCommentIcon from '@mui/icons-material/AddComment';
import type { OpenaiModel } from '../api/types';
import { runChat, type ChatError, type SendChat } from './chat-stream';
import {
  answerFigures,
  chatReducer,
  EMPTY_CHAT,
  isBusy,
  pendingAnswer,
  requestMessages,
  type AnswerTurn,
  type ChatState,
} from './chat-state';

/** A duration as people read it: milliseconds to a second, then seconds. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The figures shown under a finished answer. */
export function figuresText(turn: AnswerTurn): string {
  const f = answerFigures(turn);
  const parts: string[] = [];
  if (f.firstTokenMs !== null) parts.push(`first token after ${duration(f.firstTokenMs)}`);
  if (f.totalMs !== null) parts.push(`${duration(f.totalMs)} in all`);
  if (f.promptTokens !== null) {
    parts.push(`${f.promptTokens} prompt + ${f.completionTokens ?? '?'} answer tokens`);
  } else if (turn.status === 'done') {
    parts.push('no token count from the model');
  }
  if (f.tokensPerSecond !== null) parts.push(`${f.tokensPerSecond.toFixed(1)} tokens/s`);
  return parts.join(' · ');
}

/** What a screen reader hears as the answer moves on (the status region, not every token). */
function announcement(state: ChatState): string {
  const last = state.turns[state.turns.length - 1];
  if (last?.role !== 'assistant') return '';
  switch (last.status) {
    case 'waiting':
      return 'Message sent; waiting for the model.';
    case 'streaming':
      return 'The model is answering.';
    case 'done':
      return `Answer complete: ${figuresText(last)}.`;
    case 'stopped':
      return 'Answer stopped.';
    case 'failed':
      return `The answer failed: ${last.error?.message ?? ''}`;
  }
}

function errorDetails(error: ChatError): string {
  return [
    error.status ? `HTTP ${error.status}` : null,
    error.type,
    error.code && error.code !== error.type ? error.code : null,
    error.param ? `field ${error.param}` : null,
    error.requestId ? `request ${error.requestId}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

const STATUS_CHIPS: Partial<Record<AnswerTurn['status'], { label: string; color: 'default' | 'warning' | 'error' | 'primary' }>> = {
  streaming: { label: 'writing', color: 'primary' },
  stopped: { label: 'stopped', color: 'warning' },
  failed: { label: 'failed', color: 'error' },
};

function Answer({ turn, model }: { turn: AnswerTurn; model: string }) {
  const chip =
    turn.status === 'done' && turn.finishReason === 'length'
      ? { label: 'cut at the token limit', color: 'warning' as const }
      : STATUS_CHIPS[turn.status];
  const live = turn.status === 'waiting' || turn.status === 'streaming';
  return (
    <Box data-testid="chat-answer" data-status={turn.status} sx={{ alignSelf: 'flex-start', maxWidth: '90%', minWidth: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}>
        <Typography variant="caption" component="h3" color="text.secondary" sx={{ fontWeight: 600 }}>
          {model}
        </Typography>
        {chip && <Chip size="small" variant="outlined" color={chip.color} label={chip.label} />}
      </Box>
      <Box sx={{ bgcolor: 'grey.100', borderRadius: 2, px: 1.5, py: 1 }}>
        {turn.status === 'waiting' ? (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <CircularProgress size={14} aria-hidden />
            <Typography variant="body2" color="text.secondary">
              Waiting for the first token…
            </Typography>
          </Box>
        ) : (
          <Typography variant="body1" component="div" sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            <span data-testid="chat-answer-text">{turn.content}</span>
            {live && (
              <Box component="span" aria-hidden sx={{ ml: 0.25, color: 'primary.main' }}>
                ▍
              </Box>
            )}
            {!turn.content && !live && (
              <Typography component="span" variant="body2" color="text.secondary">
                (no text)
              </Typography>
            )}
          </Typography>
        )}
      </Box>
      {!live && (
        <Typography variant="caption" component="p" color="text.secondary" sx={{ mt: 0.5 }} data-testid="chat-figures">
          {figuresText(turn)}
        </Typography>
      )}
      {turn.error && (
        <Alert severity="error" sx={{ mt: 1 }} data-testid="chat-error">
          <AlertTitle sx={{ overflowWrap: 'anywhere' }}>{turn.error.message}</AlertTitle>
          {errorDetails(turn.error)}
        </Alert>
      )}
    </Box>
  );
}

/**
 * A chat with an LLM endpoint through the gateway's OpenAI-compatible API, the answer streamed:
 * tokens appear as the model writes them, Stop (or Escape) cancels the request (the gateway
 * then stops the model), and each answer ends with its figures: time to the first token, time
 * in all, tokens from the model's usage.
 */
export function Chat({ model, send }: { model: OpenaiModel; send: SendChat }) {
  const [state, dispatch] = useReducer(chatReducer, EMPTY_CHAT);
  const [draft, setDraft] = useState('');
  const running = useRef<AbortController | null>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const busy = isBusy(state);

  // Leaving the screen (or another endpoint) stops the answer being written.
  useEffect(() => () => running.current?.abort(), []);

  // The conversation follows the answer as it grows, unless the user scrolled up to read.
  useLayoutEffect(() => {
    const el = log.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [state]);

  // The Stop button goes away when the answer ends: if it had the focus, the composer takes it.
  const wasBusy = useRef(false);
  useEffect(() => {
    if (wasBusy.current && !busy && (document.activeElement === document.body || document.activeElement === null)) {
      composer.current?.focus();
    }
    wasBusy.current = busy;
  }, [busy]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const text = draft.trim();
    if (!text || busy) return;
    const at = performance.now();
    const next = chatReducer(state, { type: 'send', text, at });
    dispatch({ type: 'send', text, at });
    setDraft('');
    following.current = true;
    const controller = new AbortController();
    running.current = controller;
    void runChat(send, { model: model.id, messages: requestMessages(next) }, controller.signal, dispatch).finally(() => {
      if (running.current === controller) running.current = null;
    });
    composer.current?.focus();
  };

  const stop = () => {
    running.current?.abort();
    composer.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && busy) {
      e.preventDefault();
      stop();
    }
  };

  const pending = pendingAnswer(state);
  return (
    <Box
      component="section"
      aria-labelledby="chat-title"
      data-testid="chat"
      sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
    >
      <Box>
        <Typography variant="h6" component="h2" id="chat-title">
          Chat with {model.id}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          A language model on {model.machine}, answering as OpenAI’s API does: programs send the same conversation to{' '}
          <code>POST /openai/v1/chat/completions</code> with <code>"model": "{model.id}"</code> and the user’s token.
        </Typography>
      </Box>
      <Box
        ref={log}
        role="log"
        aria-label={`Conversation with ${model.id}`}
        aria-busy={busy}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
        sx={{
          display: 'flex',
          flexDirection: 'column',
          gap: 2,
          minHeight: 160,
          maxHeight: '55vh',
          overflowY: 'auto',
          border: 1,
          borderColor: 'divider',
          borderRadius: 1,
          p: 2,
        }}
      >
        {state.turns.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            No message yet. Write one below: the answer appears as the model writes it.
          </Typography>
        )}
        {state.turns.map((turn) =>
          turn.role === 'user' ? (
            <Box key={turn.id} data-testid="chat-question" sx={{ alignSelf: 'flex-end', maxWidth: '90%', minWidth: 0 }}>
              <Typography variant="caption" component="h3" color="text.secondary" sx={{ fontWeight: 600, textAlign: 'right' }}>
                You
              </Typography>
              <Typography
                variant="body1"
                component="div"
                sx={{
                  bgcolor: 'primary.main',
                  color: 'primary.contrastText',
                  borderRadius: 2,
                  px: 1.5,
                  py: 1,
                  whiteSpace: 'pre-wrap',
                  overflowWrap: 'anywhere',
                }}
              >
                {turn.content}
              </Typography>
            </Box>
          ) : (
            <Answer key={turn.id} turn={turn} model={model.id} />
          ),
        )}
      </Box>
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
        <TextField
          inputRef={composer}
          label="Message"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          multiline
          minRows={2}
          maxRows={8}
          fullWidth
          helperText="Enter sends, Shift+Enter starts a new line, Escape stops the answer"
          slotProps={{ htmlInput: { 'aria-keyshortcuts': 'Enter Escape' } }}
        />
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {pending ? (
            <Button variant="contained" color="error" startIcon={<StopIcon />} onClick={stop} aria-keyshortcuts="Escape">
              Stop
            </Button>
          ) : (
            <Button type="submit" variant="contained" startIcon={<SendIcon />} disabled={!draft.trim()}>
              Send
            </Button>
          )}
          <Button
            startIcon={<AddCommentIcon />}
            onClick={() => {
              dispatch({ type: 'clear' });
              composer.current?.focus();
            }}
            disabled={busy || state.turns.length === 0}
          >
            New conversation
          </Button>
        </Box>
      </Box>
      <Box role="status" sx={visuallyHidden} data-testid="chat-status">
        {announcement(state)}
      </Box>
    </Box>
  );
}
