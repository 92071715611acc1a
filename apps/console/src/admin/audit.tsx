import { DataTable, DateTimeInput, List, Pagination, SelectInput, TextInput, useRecordContext } from 'react-admin';
import { Box, Typography } from '@mui/material';
import type { AuditRecord } from '../api/types';
import { AUDIT_ACTIONS } from '../api/types';
import { when } from '../common/format';

const ACTION_LABELS: Record<AuditRecord['action'], string> = {
  'user.suspend': 'user suspended',
  'user.unsuspend': 'suspension lifted',
  'limits.set': 'limits set',
  'limits.delete': 'limits deleted',
};

/** The filters `GET /v1/admin/audit` takes. */
const filters = [
  <SelectInput
    key="action"
    source="action"
    choices={AUDIT_ACTIONS.map((a) => ({ id: a, name: ACTION_LABELS[a] }))}
    alwaysOn
    emptyText="Every action"
  />,
  <TextInput key="target" source="target" label="Target" alwaysOn />,
  <TextInput key="actor" source="actor" label="By" />,
  <DateTimeInput key="since" source="since" label="From" />,
  <DateTimeInput key="until" source="until" label="Until" />,
];

function Details() {
  const r = useRecordContext<AuditRecord>();
  if (!r) return null;
  return (
    <Box sx={{ p: 2 }} data-testid="audit-detail">
      <Typography variant="caption" component="div" color="text.secondary">
        Details
      </Typography>
      <Box
        component="pre"
        tabIndex={0}
        sx={{ m: 0, p: 1, bgcolor: 'grey.100', borderRadius: 1, overflowX: 'auto', contain: 'inline-size', fontSize: '0.8rem' }}
      >
        {JSON.stringify(r.details, null, 2)}
      </Box>
    </Box>
  );
}

export function AuditList() {
  return (
    <List
      title="Audit log"
      filters={filters}
      actions={false}
      pagination={<Pagination rowsPerPageOptions={[25, 50, 100]} />}
      perPage={25}
      empty={false}
    >
      <DataTable
        bulkActionButtons={false}
        expand={<Details />}
        expandSingle
        rowClick="expand"
        empty={<Typography sx={{ p: 2 }}>No administrative action recorded.</Typography>}
      >
        <DataTable.Col source="at" label="Time" disableSort render={(r: AuditRecord) => when(r.at)} />
        <DataTable.Col source="actor" label="By" disableSort />
        <DataTable.Col source="action" disableSort render={(r: AuditRecord) => ACTION_LABELS[r.action] ?? r.action} />
        <DataTable.Col source="target" disableSort />
        <DataTable.Col source="reason" disableSort render={(r: AuditRecord) => r.reason ?? '–'} />
      </DataTable>
    </List>
  );
}
