import type { ReactElement, ReactNode } from 'react';
import {
  DataTable,
  ExportButton,
  FilterButton,
  List,
  Pagination,
  SimpleList,
  TopToolbar,
  usePermissions,
  type RaRecord,
} from 'react-admin';
import { Box, Grid, Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Permissions } from '../auth/auth-provider';
import { when } from '../common/format';

/** What every call-log record has, which the frame shows itself. */
type LogRecord = RaRecord & { at: string; caller: string; duration_ms: number };

/**
 * What both call logs share: the title by role, the filters (the caller's for administrators),
 * the CSV export of the filtered rows, and a phone's simple list or a table whose rows open
 * their detail, its first columns the time and (for administrators) the caller, its last the
 * duration.
 */
export function LogList<T extends LogRecord>(props: {
  title: (admin: boolean) => string;
  filters: (admin: boolean) => ReactElement[];
  exporter: (rows: T[]) => void;
  /** The phone's list: a line and a second line of time, optionally a third. */
  primaryText: (row: T) => string;
  tertiaryText?: (row: T) => string;
  detail: ReactElement;
  /** What the table says when the period has no row. */
  empty: string;
  /** The table's own columns, between the caller's and the duration. */
  columns: ReactNode[];
}) {
  const { permissions } = usePermissions<Permissions>();
  const admin = !!permissions?.can.administer;
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      title={props.title(admin)}
      filters={props.filters(admin)}
      filterDefaultValues={{ range: '24h' }}
      actions={
        <TopToolbar>
          <FilterButton />
          <ExportButton maxResults={10000} label="Export CSV" />
        </TopToolbar>
      }
      exporter={props.exporter}
      pagination={<Pagination rowsPerPageOptions={[25, 50, 100, 250]} />}
      perPage={25}
      empty={false}
    >
      {small ? (
        <SimpleList
          primaryText={props.primaryText}
          secondaryText={(r: T) => new Date(r.at).toLocaleString()}
          {...(props.tertiaryText ? { tertiaryText: props.tertiaryText } : {})}
          linkType={false}
        />
      ) : (
        <DataTable
          bulkActionButtons={false}
          expand={props.detail}
          expandSingle
          rowClick="expand"
          empty={<Typography sx={{ p: 2 }}>{props.empty}</Typography>}
        >
          {/* As one array: DataTable counts its children for the detail row's width. */}
          {[
            <DataTable.Col key="at" source="at" label="Time" disableSort render={(r: T) => when(r.at)} />,
            admin && <DataTable.Col key="caller" source="caller" disableSort />,
            ...props.columns,
            <DataTable.NumberCol
              key="duration_ms"
              source="duration_ms"
              label="Duration (ms)"
              disableSort
              options={{ maximumFractionDigits: 1 }}
            />,
          ]}
        </DataTable>
      )}
    </List>
  );
}

/** A call's detail, as a table row opens it: its labelled values, then a block of text if any. */
export function LogDetail(props: { children: ReactNode; text?: { label: string; value: string; maxHeight?: number } | null }) {
  return (
    <Box sx={{ p: 2 }} data-testid="call-detail">
      <Grid container spacing={2}>
        {props.children}
      </Grid>
      {props.text && (
        <>
          <Typography variant="caption" component="div" color="text.secondary" sx={{ mt: 2 }}>
            {props.text.label}
          </Typography>
          <Box
            component="pre"
            tabIndex={0}
            sx={{
              m: 0,
              p: 1,
              bgcolor: 'grey.100',
              borderRadius: 1,
              overflowX: 'auto',
              contain: 'inline-size',
              fontSize: '0.8rem',
              ...(props.text.maxHeight ? { maxHeight: props.text.maxHeight } : {}),
            }}
          >
            {props.text.value}
          </Box>
        </>
      )}
    </Box>
  );
}

/** One labelled value of a call's detail. */
export function DetailItem({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Grid size={{ xs: 12, sm: 6, md: 3 }}>
      <Typography variant="caption" component="div" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ overflowWrap: 'anywhere' }}>
        {children}
      </Typography>
    </Grid>
  );
}
