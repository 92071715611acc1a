import { DataTable, SelectInput, TextInput, downloadCSV, useRecordContext } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { Link } from '@mui/material';
import type { EnqueueCall } from '../api/types';
import { ENQUEUE_OUTCOMES } from '../api/types';
import { OutcomeChip } from '../common/chips';
import { ShortId } from '../common/PublicId';
import { fieldColumns, toCsv } from '../data/csv';
import { ms } from '../common/format';
import { periodFilters } from './filters';
import { DetailItem, LogDetail, LogList } from './LogList';

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
  return (
    <LogDetail text={r.error ? { label: 'Error', value: r.error } : null}>
      <DetailItem label="Outcome">{r.outcome}</DetailItem>
      <DetailItem label="Duration">{`${ms(r.duration_ms)} over ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`}</DetailItem>
      <DetailItem label="Task id">{r.task_id}</DetailItem>
      <DetailItem label="Run">
        {r.run_id ? (
          <Link component={RouterLink} to={`/runs/${r.run_id}/show`}>
            {r.run_id}
          </Link>
        ) : (
          '–'
        )}
      </DetailItem>
      <DetailItem label="ClearML task (clone)">{r.clearml_task_id ?? '–'}</DetailItem>
      <DetailItem label="Queue">{r.queue ?? '–'}</DetailItem>
      <DetailItem label="Route">{r.route === 'compat' ? 'compatible (Node-RED)' : (r.route ?? '–')}</DetailItem>
      <DetailItem label="Request id">{r.correlation_id}</DetailItem>
    </LogDetail>
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
