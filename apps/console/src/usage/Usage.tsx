import { useMemo, useState } from 'react';
import { Title, downloadCSV, useDataProvider, useNotify, usePermissions } from 'react-admin';
import { useSearchParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  MenuItem,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import { BarChart } from '@mui/x-charts/BarChart';
import type { OndemandUsageRow, RunUsageRow, Usage as UsageAnswer, UsageBucket, UsageGroup } from '../api/types';
import type { Permissions } from '../auth/auth-provider';
import type { ConsoleDataProvider } from '../data/data-provider';
import {
  bucketLabel,
  bytes,
  duration,
  groupChoices,
  groupOf,
  usageFormError,
  usageFormFrom,
  usageQuery,
  usageSearch,
  usageSeries,
  usageTotals,
  type UsageForm,
} from './usage-model';

const GROUP_LABELS: Record<UsageGroup, string> = {
  none: 'Nothing (totals)',
  user: 'User',
  endpoint: 'Endpoint',
  task: 'Task',
  queue: 'Queue',
};
const GROUP_COLUMN: Record<UsageGroup, string> = { none: '', user: 'User', endpoint: 'Endpoint', task: 'Task', queue: 'Queue' };

function Filters({ form, admin, onChange }: { form: UsageForm; admin: boolean; onChange: (form: UsageForm) => void }) {
  const [user, setUser] = useState(form.user ?? '');
  return (
    <Box
      component="form"
      role="search"
      aria-label="Usage query"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...form, user: user.trim() || undefined });
      }}
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'flex-start' }}
    >
      <TextField
        fullWidth={false}
        type="date"
        size="small"
        label="From"
        value={form.from}
        onChange={(e) => e.target.value && onChange({ ...form, from: e.target.value })}
        slotProps={{ inputLabel: { shrink: true } }}
        helperText="UTC day"
      />
      <TextField
        fullWidth={false}
        type="date"
        size="small"
        label="To"
        value={form.to}
        onChange={(e) => e.target.value && onChange({ ...form, to: e.target.value })}
        slotProps={{ inputLabel: { shrink: true } }}
        helperText="included"
      />
      <ToggleButtonGroup
        size="small"
        exclusive
        value={form.bucket}
        onChange={(_e, value: UsageBucket | null) => value && onChange({ ...form, bucket: value })}
        aria-label="Figures per"
      >
        <ToggleButton value="day" sx={{ textTransform: 'none' }}>
          per day
        </ToggleButton>
        <ToggleButton value="month" sx={{ textTransform: 'none' }}>
          per month
        </ToggleButton>
      </ToggleButtonGroup>
      <TextField
        fullWidth={false}
        select
        size="small"
        label="Group by"
        value={form.group_by}
        onChange={(e) => onChange({ ...form, group_by: e.target.value as UsageGroup })}
        sx={{ minWidth: 180 }}
        helperText={form.group_by === 'endpoint' ? 'calls only' : form.group_by === 'task' || form.group_by === 'queue' ? 'runs only' : ' '}
      >
        {groupChoices(admin).map((g) => (
          <MenuItem key={g} value={g}>
            {GROUP_LABELS[g]}
          </MenuItem>
        ))}
      </TextField>
      {admin && (
        <TextField
          fullWidth={false}
          size="small"
          label="Only the user"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          onBlur={() => (user.trim() || undefined) !== form.user && onChange({ ...form, user: user.trim() || undefined })}
          helperText="Empty: everyone"
        />
      )}
    </Box>
  );
}

/** Calls and runs per bucket, summed over the groups; tokens when a model reported any. */
function UsageChart({ usage }: { usage: UsageAnswer }) {
  const points = usageSeries(usage);
  const labels = points.map((p) => p.label);
  const tokens = points.some((p) => p.promptTokens + p.completionTokens > 0);
  const gap = usage.bucket === 'day' ? 28 : 16;
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 1fr) minmax(0, 1fr)' }, gap: 2 }}>
      {usage.ondemand && (
        <Box
          component="figure"
          sx={{ m: 0, minWidth: 0, overflow: 'hidden' }}
          aria-label="On-demand calls per period, succeeded and failed"
        >
          <Typography variant="subtitle2" component="figcaption">
            On-demand calls
          </Typography>
          <BarChart
            height={220}
            xAxis={[{ scaleType: 'band', data: labels, tickLabelMinGap: gap }]}
            yAxis={[{ width: 'auto', valueFormatter: (v: number) => (Number.isInteger(v) ? String(v) : '') }]}
            series={[
              { data: points.map((p) => p.calls - p.errors), label: 'Succeeded', stack: 'calls', color: '#2e7d32' },
              { data: points.map((p) => p.errors), label: 'Failed', stack: 'calls', color: '#c62828' },
            ]}
          />
        </Box>
      )}
      {usage.runs && (
        <Box component="figure" sx={{ m: 0, minWidth: 0, overflow: 'hidden' }} aria-label="Runs per period, by how they ended">
          <Typography variant="subtitle2" component="figcaption">
            Runs
          </Typography>
          <BarChart
            height={220}
            xAxis={[{ scaleType: 'band', data: labels, tickLabelMinGap: gap }]}
            yAxis={[{ width: 'auto', valueFormatter: (v: number) => (Number.isInteger(v) ? String(v) : '') }]}
            series={[
              { data: points.map((p) => p.completed), label: 'Completed', stack: 'runs', color: '#1b6e2f' },
              { data: points.map((p) => p.failed), label: 'Failed', stack: 'runs', color: '#b3261e' },
              { data: points.map((p) => p.stopped), label: 'Stopped', stack: 'runs', color: '#6d6d6d' },
              {
                data: points.map((p) => Math.max(0, p.runs - p.completed - p.failed - p.stopped)),
                label: 'Not finished',
                stack: 'runs',
                color: '#1a4f8b',
              },
            ]}
          />
        </Box>
      )}
      {tokens && (
        <Box component="figure" sx={{ m: 0, minWidth: 0, overflow: 'hidden' }} aria-label="Tokens of LLM endpoints per period">
          <Typography variant="subtitle2" component="figcaption">
            LLM tokens
          </Typography>
          <BarChart
            height={220}
            xAxis={[{ scaleType: 'band', data: labels, tickLabelMinGap: gap }]}
            yAxis={[{ width: 'auto' }]}
            series={[
              { data: points.map((p) => p.promptTokens), label: 'Prompt', stack: 'tokens', color: '#5e35b1' },
              { data: points.map((p) => p.completionTokens), label: 'Completion', stack: 'tokens', color: '#00796b' },
            ]}
          />
        </Box>
      )}
    </Box>
  );
}

const num = (n: number) => n.toLocaleString('en-GB');

function CallsTable({ usage, rows }: { usage: UsageAnswer; rows: OndemandUsageRow[] }) {
  const group = usage.group_by;
  const tokens = rows.some((r) => r.prompt_tokens + r.completion_tokens > 0);
  return (
    // A table wider than a phone scrolls in its box, which the keyboard can reach.
    <Box tabIndex={0} sx={{ overflowX: 'auto', contain: 'inline-size' }}>
      <Table size="small" aria-labelledby="usage-calls" data-testid="usage-calls">
        <TableHead>
          <TableRow>
            <TableCell>{usage.bucket === 'month' ? 'Month' : 'Day'}</TableCell>
            {group !== 'none' && <TableCell>{GROUP_COLUMN[group]}</TableCell>}
            <TableCell align="right">Calls</TableCell>
            <TableCell align="right">Errors</TableCell>
            <TableCell align="right">p95</TableCell>
            <TableCell align="right">Time in all</TableCell>
            <TableCell align="right">In</TableCell>
            <TableCell align="right">Out</TableCell>
            {tokens && <TableCell align="right">Prompt tokens</TableCell>}
            {tokens && <TableCell align="right">Completion tokens</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={`${r.bucket}|${groupOf(r, group)}`}>
              <TableCell>{bucketLabel(r.bucket, usage.bucket)}</TableCell>
              {group !== 'none' && <TableCell>{groupOf(r, group)}</TableCell>}
              <TableCell align="right">{num(r.calls)}</TableCell>
              <TableCell align="right">{num(r.errors)}</TableCell>
              <TableCell align="right">{r.duration_ms_p95 === null ? '–' : `${Math.round(r.duration_ms_p95)} ms`}</TableCell>
              <TableCell align="right">{duration(r.duration_ms_total / 1000)}</TableCell>
              <TableCell align="right">{bytes(r.request_bytes)}</TableCell>
              <TableCell align="right">{bytes(r.response_bytes)}</TableCell>
              {tokens && <TableCell align="right">{num(r.prompt_tokens)}</TableCell>}
              {tokens && <TableCell align="right">{num(r.completion_tokens)}</TableCell>}
            </TableRow>
          ))}
          {!rows.length && (
            <TableRow>
              <TableCell colSpan={10}>No call in this period.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </Box>
  );
}

function RunsTable({ usage, rows }: { usage: UsageAnswer; rows: RunUsageRow[] }) {
  const group = usage.group_by;
  const gpu = rows.some((r) => r.gpu_seconds > 0);
  return (
    <Box tabIndex={0} sx={{ overflowX: 'auto', contain: 'inline-size' }}>
      <Table size="small" aria-labelledby="usage-runs" data-testid="usage-runs">
        <TableHead>
          <TableRow>
            <TableCell>{usage.bucket === 'month' ? 'Month' : 'Day'}</TableCell>
            {group !== 'none' && <TableCell>{GROUP_COLUMN[group]}</TableCell>}
            <TableCell align="right">Runs</TableCell>
            <TableCell align="right">Completed</TableCell>
            <TableCell align="right">Failed</TableCell>
            <TableCell align="right">Stopped</TableCell>
            <TableCell align="right">Waiting</TableCell>
            <TableCell align="right">Running</TableCell>
            {gpu && <TableCell align="right">GPU time</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={`${r.bucket}|${groupOf(r, group)}`}>
              <TableCell>{bucketLabel(r.bucket, usage.bucket)}</TableCell>
              {group !== 'none' && <TableCell>{groupOf(r, group)}</TableCell>}
              <TableCell align="right">{num(r.runs)}</TableCell>
              <TableCell align="right">{num(r.completed)}</TableCell>
              <TableCell align="right">{num(r.failed)}</TableCell>
              <TableCell align="right">{num(r.stopped)}</TableCell>
              <TableCell align="right">{duration(r.wait_seconds)}</TableCell>
              <TableCell align="right">{duration(r.run_seconds)}</TableCell>
              {gpu && <TableCell align="right">{duration(r.gpu_seconds)}</TableCell>}
            </TableRow>
          ))}
          {!rows.length && (
            <TableRow>
              <TableCell colSpan={9}>No run in this period.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </Box>
  );
}

function Summary({ usage }: { usage: UsageAnswer }) {
  const t = usageTotals(usage);
  const parts: string[] = [];
  if (usage.ondemand) {
    parts.push(`${num(t.calls)} on-demand call${t.calls === 1 ? '' : 's'}, ${num(t.errors)} failed`);
    if (t.promptTokens + t.completionTokens > 0) parts.push(`${num(t.promptTokens)} prompt + ${num(t.completionTokens)} completion tokens`);
  }
  if (usage.runs)
    parts.push(
      `${num(t.runs)} run${t.runs === 1 ? '' : 's'}: ${num(t.completed)} completed, ${num(t.failed)} failed, ${duration(t.runSeconds)} running`,
    );
  return (
    <Typography variant="body1" data-testid="usage-totals">
      {parts.join(' · ')}
    </Typography>
  );
}

/**
 * Usage over a range of UTC days, per day or month: everyone's own, and for administrators
 * everyone's, grouped by user, endpoint, task or queue. The query lives in the address (a link
 * gives the same figures); "Export CSV" downloads the same query as the API writes it.
 */
export function Usage() {
  const { permissions, isPending } = usePermissions<Permissions>();
  const admin = !!permissions?.can.administer;
  const [search, setSearch] = useSearchParams();
  const form = useMemo(() => usageFormFrom(search, Date.now(), admin), [search, admin]);
  const invalid = usageFormError(form);
  const query = useMemo(() => usageQuery(form), [form]);
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const notify = useNotify();
  const [exporting, setExporting] = useState(false);
  const { data: usage, error } = useQuery({
    queryKey: ['usage', query],
    queryFn: ({ signal }) => dataProvider.usage(query, signal),
    enabled: !isPending && !invalid,
    placeholderData: (previous) => previous,
  });
  const exportCsv = async () => {
    setExporting(true);
    try {
      const { text, filename } = await dataProvider.usageCsv(query);
      downloadCSV(text, filename.replace(/\.csv$/, ''));
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    } finally {
      setExporting(false);
    }
  };
  return (
    <Box sx={{ mt: 2, mb: 4, display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0, maxWidth: '100%' }}>
      <Title title="Usage" />
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
        <Typography variant="h5" component="h1">
          {admin ? 'Usage' : 'Your usage'}
        </Typography>
        <Button variant="outlined" startIcon={<DownloadIcon />} onClick={exportCsv} disabled={!!invalid || exporting}>
          Export CSV
        </Button>
      </Box>
      <Card>
        <CardContent>
          {isPending ? (
            <Skeleton height={56} />
          ) : (
            <Filters key={form.user ?? ''} form={form} admin={admin} onChange={(next) => setSearch(usageSearch(next), { replace: true })} />
          )}
        </CardContent>
      </Card>
      {invalid && <Alert severity="warning">{invalid}</Alert>}
      {error && <Alert severity="error">{(error as Error).message}</Alert>}
      {usage ? (
        <>
          <Card component="section" aria-labelledby="usage-chart-title">
            <CardContent>
              <Typography variant="h6" component="h2" id="usage-chart-title">
                {bucketLabel(usage.from, 'day')} – {bucketLabel(new Date(Date.parse(usage.to) - 86_400_000).toISOString(), 'day')}
              </Typography>
              <Summary usage={usage} />
              <UsageChart usage={usage} />
            </CardContent>
          </Card>
          {usage.ondemand && (
            <Card component="section" aria-labelledby="usage-calls">
              <CardContent>
                <Typography variant="h6" component="h2" id="usage-calls">
                  On-demand calls
                </Typography>
                <CallsTable usage={usage} rows={usage.ondemand} />
              </CardContent>
            </Card>
          )}
          {usage.runs && (
            <Card component="section" aria-labelledby="usage-runs">
              <CardContent>
                <Typography variant="h6" component="h2" id="usage-runs">
                  Runs
                </Typography>
                <RunsTable usage={usage} rows={usage.runs} />
              </CardContent>
            </Card>
          )}
        </>
      ) : (
        !error &&
        !invalid && <Skeleton variant="rectangular" height={320} role="progressbar" aria-busy="true" aria-label="Loading the usage" />
      )}
    </Box>
  );
}
