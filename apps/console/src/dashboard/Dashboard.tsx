import { useState, type ReactNode } from 'react';
import { Title, useDataProvider, useGetList, usePermissions, Link as RaLink } from 'react-admin';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Box,
  Card,
  CardContent,
  Grid,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import type { OndemandCall, RunRecord, Stats, StatsRange } from '../api/types';
import { RUN_STATUSES, STATS_RANGES } from '../api/types';
import type { Permissions } from '../auth/auth-provider';
import { OutcomeChip, RunStatusChip } from '../common/chips';
import type { ConsoleDataProvider } from '../data/data-provider';
import { ms, when } from '../common/format';

const RANGE_LABELS: Record<StatsRange, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };

/** A bucket's start as the browser's zone shows it, short enough for an axis. */
function bucketLabel(iso: string, bucketSeconds: number): string {
  const d = new Date(iso);
  if (bucketSeconds >= 86_400) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (bucketSeconds >= 6 * 3600) return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function Count({ label, value, to }: { label: string; value: number | undefined; to?: string }) {
  const body = (
    <CardContent>
      <Typography variant="body2" component="h2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h4" component="p" data-testid={`count-${label.toLowerCase().replace(/\W+/g, '-')}`}>
        {value ?? <Skeleton width={48} />}
      </Typography>
    </CardContent>
  );
  return (
    <Card sx={{ height: '100%' }}>
      {to ? (
        <RaLink to={to} underline="none" color="inherit">
          {body}
        </RaLink>
      ) : (
        body
      )}
    </Card>
  );
}

const errorRate = (t: { calls: number; errors: number }) => (t.calls ? `${Math.round((t.errors / t.calls) * 1000) / 10} %` : '–');

function RequestsChart({
  title,
  testId,
  points,
  totals,
  bucketSeconds,
}: {
  title: string;
  testId: string;
  points: Stats['series']['ondemand'];
  totals: Stats['totals']['ondemand'];
  bucketSeconds: number;
}) {
  const labels = points.map((p) => bucketLabel(p.at, bucketSeconds));
  const ok = points.map((p) => p.calls - p.errors);
  const failed = points.map((p) => p.errors);
  const p95 = points.map((p) => p.p95_ms);
  const summary = `${totals.calls} call${totals.calls === 1 ? '' : 's'}, ${totals.errors} failed (${errorRate(totals)}), p95 ${totals.p95_ms ?? '–'} ms`;
  return (
    <Card component="section" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <CardContent>
        <Typography variant="h6" component="h2" id={`${testId}-title`}>
          {title}
        </Typography>
        <Typography variant="body2" data-testid={`${testId}-totals`}>
          {summary}
        </Typography>
        <Box
          component="figure"
          sx={{ m: 0, minWidth: 0, overflow: 'hidden' }}
          aria-label={`${title}: calls per interval, succeeded and failed. ${summary}`}
        >
          <BarChart
            height={220}
            xAxis={[{ scaleType: 'band', data: labels, tickLabelMinGap: 24 }]}
            yAxis={[{ width: 'auto', valueFormatter: (v: number) => (Number.isInteger(v) ? String(v) : '') }]}
            series={[
              { data: ok, label: 'Succeeded', stack: 'calls', color: '#2e7d32' },
              { data: failed, label: 'Failed', stack: 'calls', color: '#c62828' },
            ]}
          />
        </Box>
        <Box
          component="figure"
          sx={{ m: 0, minWidth: 0, overflow: 'hidden' }}
          aria-label={`${title}: 95th percentile of durations per interval, in milliseconds`}
        >
          <LineChart
            height={150}
            xAxis={[{ scaleType: 'point', data: labels, tickLabelMinGap: 24 }]}
            yAxis={[{ width: 'auto', valueFormatter: (v: number) => `${Math.round(v)} ms` }]}
            series={[{ data: p95, label: 'p95 latency (ms)', color: '#1a4f8b', showMark: true, connectNulls: false }]}
          />
        </Box>
      </CardContent>
    </Card>
  );
}

/** One "busiest" table: a name per row, its calls, errors and p95, or a line saying there were none. */
function BusiestTable(props: {
  id: string;
  title: string;
  headers: [string, string, string];
  empty: string;
  rows: { key: string; name: ReactNode; calls: number; errors: number; p95_ms: number | null }[];
}) {
  return (
    <Grid size={{ xs: 12, md: 6 }} sx={{ minWidth: 0 }}>
      <Card component="section" aria-labelledby={props.id}>
        <CardContent sx={{ overflowX: 'auto', contain: 'inline-size' }}>
          <Typography variant="h6" component="h2" id={props.id}>
            {props.title}
          </Typography>
          <Table size="small" aria-labelledby={props.id}>
            <TableHead>
              <TableRow>
                <TableCell>{props.headers[0]}</TableCell>
                <TableCell align="right">{props.headers[1]}</TableCell>
                <TableCell align="right">{props.headers[2]}</TableCell>
                <TableCell align="right">p95 (ms)</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {props.rows.map((r) => (
                <TableRow key={r.key}>
                  <TableCell>{r.name}</TableCell>
                  <TableCell align="right">{r.calls}</TableCell>
                  <TableCell align="right">{r.errors}</TableCell>
                  <TableCell align="right">{r.p95_ms ?? '–'}</TableCell>
                </TableRow>
              ))}
              {!props.rows.length && (
                <TableRow>
                  <TableCell colSpan={4}>{props.empty}</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    </Grid>
  );
}

function Busiest({ stats }: { stats: Stats }) {
  return (
    <Grid container spacing={2}>
      <BusiestTable
        id="busiest-endpoints"
        title="Busiest endpoints"
        headers={['Endpoint', 'Calls', 'Errors']}
        empty="No call in this period."
        rows={stats.busiest.endpoints.map((e) => ({
          ...e,
          key: `${e.machine_id}/${e.endpoint}`,
          name: (
            <>
              {e.endpoint}
              <Typography variant="caption" component="div" color="text.secondary">
                {e.machine_name ?? e.machine_id.slice(0, 12)}
              </Typography>
            </>
          ),
        }))}
      />
      <BusiestTable
        id="busiest-tasks"
        title="Busiest tasks"
        headers={['Task', 'Requests', 'Failed']}
        empty="No request in this period."
        rows={stats.busiest.tasks.map((t) => ({ ...t, key: t.task_id, name: t.template_name ?? t.task_id.slice(0, 12) }))}
      />
    </Grid>
  );
}

/** The registrars' home: counts, both services' requests over a range, the busiest targets. */
function Overview() {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const [range, setRange] = useState<StatsRange>('24h');
  const { data: stats, error } = useQuery({
    queryKey: ['stats', range],
    queryFn: () => dataProvider.stats(range),
    refetchInterval: 30_000,
    placeholderData: (previous) => previous,
  });
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
        <Typography variant="h5" component="h1">
          Dashboard
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={range}
          onChange={(_e, value: StatsRange | null) => value && setRange(value)}
          aria-label="Period of the graphs"
        >
          {STATS_RANGES.map((r) => (
            <ToggleButton key={r} value={r} aria-label={`Last ${RANGE_LABELS[r]}`} sx={{ textTransform: 'none' }}>
              {RANGE_LABELS[r]}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Box>
      {error && <Alert severity="error">{(error as Error).message}</Alert>}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 6, md: 3 }}>
          <Count label="Serving machines" value={stats?.counts.machines} to="/machines" />
        </Grid>
        <Grid size={{ xs: 12, sm: 6, md: 3 }}>
          <Count label="Endpoints" value={stats?.counts.endpoints} to="/endpoints" />
        </Grid>
        <Grid size={{ xs: 12, sm: 6, md: 3 }}>
          <Count label="Runnable tasks" value={stats?.counts.tasks} to="/tasks" />
        </Grid>
        <Grid size={{ xs: 12, sm: 6, md: 3 }}>
          <Card sx={{ height: '100%' }}>
            <CardContent>
              <Typography variant="body2" component="h2" color="text.secondary">
                Runs by status
              </Typography>
              <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mt: 1 }} data-testid="runs-by-status">
                {stats ? (
                  RUN_STATUSES.filter((s) => stats.counts.runs[s] > 0).map((s) => (
                    <Box key={s} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                      <RunStatusChip status={s} />
                      <Typography variant="body2">{stats.counts.runs[s]}</Typography>
                    </Box>
                  ))
                ) : (
                  <Skeleton width="80%" />
                )}
                {stats && RUN_STATUSES.every((s) => stats.counts.runs[s] === 0) && <Typography variant="body2">none yet</Typography>}
              </Box>
            </CardContent>
          </Card>
        </Grid>
      </Grid>
      {stats ? (
        <>
          <Grid container spacing={2}>
            <Grid size={{ xs: 12, lg: 6 }} sx={{ minWidth: 0 }}>
              <RequestsChart
                title="On-demand calls"
                testId="ondemand-chart"
                points={stats.series.ondemand}
                totals={stats.totals.ondemand}
                bucketSeconds={stats.bucket_seconds}
              />
            </Grid>
            <Grid size={{ xs: 12, lg: 6 }} sx={{ minWidth: 0 }}>
              <RequestsChart
                title="Enqueue requests"
                testId="enqueue-chart"
                points={stats.series.enqueue}
                totals={stats.totals.enqueue}
                bucketSeconds={stats.bucket_seconds}
              />
            </Grid>
          </Grid>
          <Busiest stats={stats} />
        </>
      ) : (
        // A placeholder has no role of its own, which a name needs: it is a progress bar, busy until the figures come.
        !error && <Skeleton variant="rectangular" height={320} role="progressbar" aria-busy="true" aria-label="Loading the statistics" />
      )}
    </Box>
  );
}

/** Everyone else's home: their own latest runs and calls. */
function Personal() {
  const runs = useGetList<RunRecord>('runs', { pagination: { page: 1, perPage: 5 } });
  const calls = useGetList<OndemandCall>('ondemand-log', { pagination: { page: 1, perPage: 5 } });
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Typography variant="h5" component="h1">
        Dashboard
      </Typography>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 6 }} sx={{ minWidth: 0 }}>
          <Card component="section" aria-labelledby="my-runs">
            <CardContent>
              <Typography variant="h6" component="h2" id="my-runs">
                Your latest runs
              </Typography>
              {runs.isPending ? (
                <Skeleton />
              ) : runs.data?.length ? (
                runs.data.map((r) => (
                  <Box key={r.id} sx={{ display: 'flex', gap: 1, alignItems: 'center', py: 0.5 }}>
                    <RunStatusChip status={r.status} />
                    <RaLink to={`/runs/${r.id}/show`}>{r.template_name ?? r.task_id.slice(0, 12)}</RaLink>
                    <Typography variant="body2" color="text.secondary">
                      {when(r.created_at)}
                    </Typography>
                  </Box>
                ))
              ) : (
                <Typography variant="body2">No run yet: start one from “Try it”.</Typography>
              )}
            </CardContent>
          </Card>
        </Grid>
        <Grid size={{ xs: 12, md: 6 }} sx={{ minWidth: 0 }}>
          <Card component="section" aria-labelledby="my-calls">
            <CardContent>
              <Typography variant="h6" component="h2" id="my-calls">
                Your latest on-demand calls
              </Typography>
              {calls.isPending ? (
                <Skeleton />
              ) : calls.data?.length ? (
                calls.data.map((c) => (
                  <Box key={c.id} sx={{ display: 'flex', gap: 1, alignItems: 'center', py: 0.5 }}>
                    <OutcomeChip outcome={c.outcome} />
                    <Typography variant="body2">
                      {c.endpoint} · {ms(c.duration_ms)} · {when(c.at)}
                    </Typography>
                  </Box>
                ))
              ) : (
                <Typography variant="body2">No call yet.</Typography>
              )}
            </CardContent>
          </Card>
        </Grid>
      </Grid>
    </Box>
  );
}

export function Dashboard() {
  const { permissions, isPending } = usePermissions<Permissions>();
  return (
    <Box sx={{ mt: 2, mb: 4, minWidth: 0, maxWidth: '100%' }}>
      <Title title="Dashboard" />
      {isPending ? <Skeleton variant="rectangular" height={200} /> : permissions?.can.register ? <Overview /> : <Personal />}
    </Box>
  );
}
