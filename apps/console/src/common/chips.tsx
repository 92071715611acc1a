import { Chip, type ChipProps } from '@mui/material';
import { useRecordContext } from 'react-admin';

type Tone = ChipProps['color'];

const RUN_TONES: Record<string, Tone> = {
  accepted: 'default',
  retrying: 'warning',
  queued: 'info',
  in_progress: 'primary',
  completed: 'success',
  failed: 'error',
  stopped: 'default',
};
const OUTCOME_TONES: Record<string, Tone> = {
  ok: 'success',
  queued: 'success',
  client_error: 'warning',
  rejected: 'warning',
  // The caller stopped reading a streamed answer: nothing failed.
  cancelled: 'default',
};

const CIRCUIT_TONES: Record<string, Tone> = { closed: 'success', half_open: 'warning', open: 'error', unknown: 'default' };

const words = (value: string) => value.replace(/_/g, ' ');

export function RunStatusChip({ status }: { status: string }) {
  return <Chip size="small" variant="outlined" color={RUN_TONES[status] ?? 'default'} label={words(status)} data-status={status} />;
}

export function OutcomeChip({ outcome }: { outcome: string }) {
  return <Chip size="small" variant="outlined" color={OUTCOME_TONES[outcome] ?? 'error'} label={words(outcome)} data-outcome={outcome} />;
}

export function CircuitChip({ state }: { state: string }) {
  return <Chip size="small" variant="outlined" color={CIRCUIT_TONES[state] ?? 'default'} label={`circuit ${words(state)}`} />;
}

/** A record's field shown as a chip, for list columns. */
export function ChipField({ source, kind }: { source: string; kind: 'run' | 'outcome' }) {
  const record = useRecordContext();
  const value = record?.[source] as string | undefined;
  if (!value) return null;
  return kind === 'run' ? <RunStatusChip status={value} /> : <OutcomeChip outcome={value} />;
}
