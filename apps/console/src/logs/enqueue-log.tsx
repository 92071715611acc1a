import { DataTable, SelectInput, TextInput, downloadCSV, useRecordContext } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { Box, Grid, Link, Typography } from '@mui/material';
import type { EnqueueCall } from '../api/types';
import { ENQUEUE_OUTCOMES } from '../api/types';
import { OutcomeChip } from '../common/chips';
import { ShortId } from '../common/PublicId';
import { fieldColumns, toCsv } from '../data/csv';
import { ms } from '../common/format';
import { periodFilters } from './filters';
import { LogList } from './LogList';

const outcomes = ENQUEUE_OUTCOMES.map((o) => ({ id: o, name: o }));

function filters(admin: boolean) {
  return [
    ...periodFilters(),
    <SelectInput key="outcome" source="outcome" choices={outcomes} />,
    <TextInput key="task" source="task_id" label="Task id" />,
    <TextInput key="run" source="run_id" label="Run id" />,
    ...(admin ? [<TextInput key="caller" source="caller" label="Caller" />] : []),
  ];
}

const COLUMNS = fieldColumns<EnqueueCall>(
  'at',
  'caller',
  'task_id',
  'template_name',
  'run_id',
  'clearml_task_id',
  'queue',
  'route',
  'outcome',
  'duration_ms',
  'attempts',
  'error',
  'correlation_id',
);

const exporter = (rows: EnqueueCall[]) => downloadCSV(toCsv(COLUMNS, rows), 'enqueue-calls');

function Detail() {
  const r = useRecordContext<EnqueueCall>();
  if (!r) return null;
  const item = (label: string, value: React.ReactNode) => (
    <Grid size={{ xs: 12, sm: 6, md: 3 }}>
      <Typography variant="caption" component="div" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ overflowWrap: 'anywhere' }}>
        {value}
      </Typography>
    </Grid>
  );
  return (
    <Box sx={{ p: 2 }} data-testid="call-detail">
      <Grid container spacing={2}>
        {item('Outcome', r.outcome)}
        {item('Duration', `${ms(r.duration_ms)} over ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`)}
        {item('Task id', r.task_id)}
        {item(
          'Run',
          r.run_id ? (
            <Link component={RouterLink} to={`/runs/${r.run_id}/show`}>
              {r.run_id}
            </Link>
          ) : (
            '–'
          ),
        )}
        {item('ClearML task (clone)', r.clearml_task_id ?? '–')}
        {item('Queue', r.queue ?? '–')}
        {item('Route', r.route === 'compat' ? 'compatible (Node-RED)' : (r.route ?? '–'))}
        {item('Request id', r.correlation_id)}
      </Grid>
      {r.error && (
        <>
          <Typography variant="caption" component="div" color="text.secondary" sx={{ mt: 2 }}>
            Error
          </Typography>
          <Box
            component="pre"
            tabIndex={0}
            sx={{ m: 0, p: 1, bgcolor: 'grey.100', borderRadius: 1, overflowX: 'auto', contain: 'inline-size', fontSize: '0.8rem' }}
          >
            {r.error}
          </Box>
        </>
      )}
    </Box>
  );
}

export function EnqueueLogList() {
  return (
    <LogList<EnqueueCall>
      title={(admin) => (admin ? 'Enqueue requests (everyone’s)' : 'Your enqueue requests')}
      filters={filters}
      exporter={exporter}
      primaryText={(r: EnqueueCall) => `${r.template_name ?? r.task_id.slice(0, 12)} · ${r.outcome}`}
      detail={<Detail />}
      empty="No request in this period."
      columns={[
        <DataTable.Col
          key="template_name"
          source="template_name"
          label="Task"
          disableSort
          render={(r: EnqueueCall) => r.template_name ?? <ShortId value={r.task_id} />}
        />,
        <DataTable.Col key="outcome" source="outcome" disableSort render={(r: EnqueueCall) => <OutcomeChip outcome={r.outcome} />} />,
        <DataTable.Col
          key="clearml_task_id"
          source="clearml_task_id"
          label="ClearML task"
          disableSort
          render={(r: EnqueueCall) => <ShortId value={r.clearml_task_id} />}
        />,
        <DataTable.Col key="queue" source="queue" disableSort />,
      ]}
    />
  );
}
