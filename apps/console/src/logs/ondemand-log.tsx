import { DataTable, SelectInput, TextInput, downloadCSV, useRecordContext } from 'react-admin';
import type { OndemandCall } from '../api/types';
import { ONDEMAND_OUTCOMES } from '../api/types';
import { OutcomeChip } from '../common/chips';
import { ShortId } from '../common/PublicId';
import { fieldColumns, toCsv } from '../data/csv';
import { ms } from '../common/format';
import { periodFilters } from './filters';
import { DetailItem, LogDetail, LogList } from './LogList';

const outcomes = ONDEMAND_OUTCOMES.map((o) => ({ id: o, name: o.replace(/_/g, ' ') }));

function filters(admin: boolean) {
  return [
    ...periodFilters(),
    <SelectInput key="outcome" source="outcome" choices={outcomes} />,
    <TextInput key="machine" source="machine_id" label="Machine id" />,
    <TextInput key="endpoint" source="endpoint" label="Endpoint" />,
    ...(admin ? [<TextInput key="caller" source="caller" label="Caller" />] : []),
  ];
}

const COLUMNS = fieldColumns<OndemandCall>(
  'at',
  'caller',
  'machine_id',
  'machine_name',
  'endpoint',
  'route',
  'status_code',
  'outcome',
  'duration_ms',
  'upstream_ms',
  'request_bytes',
  'response_bytes',
  'prompt_tokens',
  'completion_tokens',
  'error',
  'correlation_id',
);

/** The filtered rows as CSV, every page of them (up to the export's limit). */
const exporter = (rows: OndemandCall[]) => downloadCSV(toCsv(COLUMNS, rows), 'ondemand-calls');

const ROUTES: Record<OndemandCall['route'], string> = {
  compat: 'compatible (Node-RED)',
  v1: '/v1',
  openai: 'OpenAI-compatible (/openai/v1)',
};

const bytes = (n: number) => (n < 1024 ? `${n} B` : `${Math.round(n / 102.4) / 10} KiB`);

function Detail() {
  const r = useRecordContext<OndemandCall>();
  if (!r) return null;
  return (
    <LogDetail text={{ label: 'Answer (first 2 KiB, when kept)', value: r.response_excerpt ?? 'not kept', maxHeight: 240 }}>
      <DetailItem label="Status">{`${r.status_code} (${r.outcome.replace(/_/g, ' ')})`}</DetailItem>
      <DetailItem label="Duration">{`${ms(r.duration_ms)}${r.upstream_ms === null ? '' : `, of which the machine ${ms(r.upstream_ms)}`}`}</DetailItem>
      <DetailItem label="Sizes">{`${bytes(r.request_bytes)} in, ${bytes(r.response_bytes)} out`}</DetailItem>
      <DetailItem label="Route">{ROUTES[r.route] ?? r.route}</DetailItem>
      <DetailItem label="Machine">{`${r.machine_name ?? ''} ${r.machine_id}`}</DetailItem>
      <DetailItem label="Caller">{r.caller}</DetailItem>
      <DetailItem label="Request id">{r.correlation_id}</DetailItem>
      <DetailItem label="Error">{r.error ?? '–'}</DetailItem>
      {(r.prompt_tokens !== null || r.completion_tokens !== null) && (
        <DetailItem label="Tokens">{`${r.prompt_tokens ?? '?'} prompt + ${r.completion_tokens ?? '?'} answer`}</DetailItem>
      )}
    </LogDetail>
  );
}

export function OndemandLogList() {
  return (
    <LogList<OndemandCall>
      title={(admin) => (admin ? 'On-demand calls (everyone’s)' : 'Your on-demand calls')}
      filters={filters}
      exporter={exporter}
      primaryText={(r: OndemandCall) => `${r.endpoint} · ${r.status_code}`}
      tertiaryText={(r: OndemandCall) => ms(r.duration_ms)}
      detail={<Detail />}
      empty="No call in this period."
      columns={[
        <DataTable.Col
          key="machine_name"
          source="machine_name"
          label="Machine"
          disableSort
          render={(r: OndemandCall) => r.machine_name ?? <ShortId value={r.machine_id} />}
        />,
        <DataTable.Col key="endpoint" source="endpoint" disableSort />,
        <DataTable.Col key="status_code" source="status_code" label="Status" disableSort />,
        <DataTable.Col key="outcome" source="outcome" disableSort render={(r: OndemandCall) => <OutcomeChip outcome={r.outcome} />} />,
      ]}
    />
  );
}
