import { useEffect, useState } from 'react';
import { Labeled, useDataProvider, useRecordContext } from 'react-admin';
import { Alert, Box, Link, Step, StepContent, StepLabel, Stepper, Typography } from '@mui/material';
import type { Run } from '../api/types';
import { TERMINAL_RUN_STATUSES } from '../api/types';
import { RunStatusChip } from '../common/chips';
import { CopyButton } from '../common/CopyButton';
import type { ConsoleDataProvider } from '../data/data-provider';
import { useRuntimeConfig } from '../layout/runtime-config';

/** How long one long-poll waits for the next status change. */
const WAIT_SEC = 25;

/**
 * A run as it moves: long-polls GET /v1/runs/{id}?wait= (the gateway answers at the next status
 * change) until the run has ended. One request at a time, so it never holds more than one of
 * the browser's connections.
 */
export function useLiveRun(runId: string | undefined, initial?: Run): { run: Run | undefined; error: string | null } {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const [run, setRun] = useState<Run | undefined>(initial);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!runId) return;
    const controller = new AbortController();
    void (async () => {
      let current = initial?.run_id === runId ? initial : undefined;
      let failures = 0;
      while (!controller.signal.aborted && !(current && TERMINAL_RUN_STATUSES.includes(current.status))) {
        try {
          current = await dataProvider.waitRun(runId, current ? WAIT_SEC : 0, controller.signal);
          failures = 0;
          setError(null);
          setRun(current);
        } catch (err) {
          if (controller.signal.aborted) return;
          failures++;
          setError(err instanceof Error ? err.message : String(err));
          if ((err as { status?: number }).status === 404 || (err as { status?: number }).status === 403) return;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** failures)));
        }
      }
    })();
    return () => controller.abort();
    // `initial` only seeds the first answer.
  }, [runId, dataProvider]);
  return { run, error };
}

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

/** The run's status timeline: stored → in ClearML's queue → running → ended. */
export function RunTimeline({ run }: { run: Run }) {
  const ended = TERMINAL_RUN_STATUSES.includes(run.status);
  const steps = [
    {
      label: 'Accepted',
      at: run.created_at,
      detail: run.status === 'retrying' ? `retrying: ${run.error ?? ''} (attempt ${run.attempts})` : '',
    },
    { label: `Queued in ClearML${run.queue ? ` (${run.queue})` : ''}`, at: run.queued_at, detail: '' },
    { label: 'Running', at: run.started_at, detail: '' },
    { label: ended ? `Ended: ${run.status}` : 'Ends', at: run.finished_at, detail: run.status === 'failed' ? (run.error ?? '') : '' },
  ];
  const active = run.finished_at ? 4 : run.started_at ? 2 : run.queued_at ? 1 : 0;
  return (
    <Stepper activeStep={active} orientation="vertical" aria-label="Status timeline">
      {steps.map((step, i) => (
        <Step key={step.label} completed={i < active || (i === 3 && ended)}>
          <StepLabel
            error={i === 3 && run.status === 'failed'}
            optional={step.at ? <Typography variant="caption">{time(step.at)}</Typography> : undefined}
          >
            {step.label}
          </StepLabel>
          <StepContent>{step.detail && <Typography variant="body2">{step.detail}</Typography>}</StepContent>
        </Step>
      ))}
    </Stepper>
  );
}

/** The run's detail: live status, timeline, ClearML task and the link to its log, parameters. */
export function RunDetail({ runId, initial }: { runId?: string; initial?: Run }) {
  const record = useRecordContext<Run>();
  const id = runId ?? record?.run_id;
  const { run: live, error } = useLiveRun(id, initial ?? record);
  const config = useRuntimeConfig();
  const run = live ?? initial ?? record;
  if (!run) return null;
  const logUrl =
    run.clearml_task_id && config.clearml_task_log_url
      ? config.clearml_task_log_url.replace('{task_id}', encodeURIComponent(run.clearml_task_id))
      : null;
  return (
    <Box sx={{ p: 2 }} data-testid="run-detail">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 2 }} aria-live="polite">
        <Typography variant="h6" component="h2">
          Status
        </Typography>
        <RunStatusChip status={run.status} />
        {!TERMINAL_RUN_STATUSES.includes(run.status) && <Typography variant="body2">(following it live)</Typography>}
      </Box>
      {error && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          {error}
        </Alert>
      )}
      {run.status === 'failed' && run.error && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {run.error}
          {run.error_code ? ` (${run.error_code})` : ''}
        </Alert>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
        <RunTimeline run={run} />
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, minWidth: 0 }}>
          <Labeled label="Run id">
            <Box sx={{ display: 'flex', alignItems: 'center' }}>
              <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
                {run.run_id}
              </Typography>
              <CopyButton text={run.run_id} label="Run id" />
            </Box>
          </Labeled>
          <Labeled label="Task">
            <Typography variant="body2">{run.template_name ?? run.task_id}</Typography>
          </Labeled>
          <Labeled label="Caller">
            <Typography variant="body2">{run.caller}</Typography>
          </Labeled>
          <Labeled label="ClearML task">
            <Typography variant="body2" component="div">
              {run.clearml_task_id ?? 'not cloned yet'}
              {logUrl && (
                <>
                  {' · '}
                  <Link href={logUrl} target="_blank" rel="noopener noreferrer">
                    its log in ClearML
                  </Link>
                </>
              )}
            </Typography>
          </Labeled>
          <Labeled label="Parameters">
            <Box
              component="pre"
              tabIndex={0}
              sx={{ m: 0, p: 1, bgcolor: 'grey.100', borderRadius: 1, overflowX: 'auto', contain: 'inline-size', fontSize: '0.8rem' }}
            >
              {JSON.stringify(run.params, null, 2)}
            </Box>
          </Labeled>
        </Box>
      </Box>
    </Box>
  );
}
