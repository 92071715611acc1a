import { failedTaskAlert } from '../test/alerts';
import { AlertRouter, matches, routesSchema } from './routes';

const parse = (rules: unknown) => routesSchema.parse(rules);
const completed = (project: string | null, labels: Record<string, string> = {}) =>
  failedTaskAlert({ severity: 'info', task: { status: 'completed', project }, labels });

describe('route matching', () => {
  it('matches kind, severity, minimum severity, status, project names and regex, and labels', () => {
    const [rule] = parse([
      {
        name: 'r',
        match: {
          kind: 'task_status',
          severity: ['critical', 'warning'],
          status: 'failed',
          project: ['Snap4City/traffic'],
          labels: { team: ['cv', 'nlp'] },
        },
        channels: ['a'],
      },
    ]);
    const alert = failedTaskAlert({ labels: { team: 'cv' } });
    expect(matches(rule!.match, alert)).toBe(true);
    expect(matches(rule!.match, { ...alert, labels: { team: 'ops' } })).toBe(false);
    expect(matches(rule!.match, { ...alert, labels: {} })).toBe(false);
    expect(matches(rule!.match, { ...alert, severity: 'info' })).toBe(false);
    expect(matches(rule!.match, { ...alert, kind: 'runaway' })).toBe(false);
    expect(matches(rule!.match, failedTaskAlert({ labels: { team: 'cv' }, task: { project: 'other' } }))).toBe(false);
    expect(matches(rule!.match, failedTaskAlert({ labels: { team: 'cv' }, task: { status: 'completed' } }))).toBe(false);

    const [minimum] = parse([{ name: 'm', match: { min_severity: 'warning' }, channels: ['a'] }]);
    expect(matches(minimum!.match, { ...alert, severity: 'warning' })).toBe(true);
    expect(matches(minimum!.match, { ...alert, severity: 'critical' })).toBe(true);
    expect(matches(minimum!.match, { ...alert, severity: 'info' })).toBe(false);

    const [regex] = parse([{ name: 'x', match: { project_regex: '^vision/' }, channels: ['a'] }]);
    expect(matches(regex!.match, completed('vision/detector'))).toBe(true);
    expect(matches(regex!.match, completed('nlp/vision/x'))).toBe(false);
    expect(matches(regex!.match, completed(null))).toBe(false);
    expect(matches(regex!.match, { ...alert, task: null })).toBe(false);
  });

  it('matches every alert with an empty match', () => {
    const [rule] = parse([{ name: 'all', channels: ['a'] }]);
    expect(matches(rule!.match, { ...failedTaskAlert(), task: null, kind: 'clearml_unreachable' })).toBe(true);
  });

  it('refuses unknown fields, bad values and bad regular expressions', () => {
    expect(routesSchema.safeParse([{ name: 'r', match: { projet: 'x' }, channels: ['a'] }]).success).toBe(false);
    expect(routesSchema.safeParse([{ name: 'r', match: { status: 'exploded' }, channels: ['a'] }]).success).toBe(false);
    expect(routesSchema.safeParse([{ name: 'r', match: { project_regex: '(' }, channels: ['a'] }]).success).toBe(false);
    expect(routesSchema.safeParse([{ name: 'r', match: {}, channels: [] }]).success).toBe(false);
    expect(routesSchema.safeParse([{ name: 'r', channels: ['Not A Name'] }]).success).toBe(false);
  });
});

describe('AlertRouter', () => {
  const routes = parse([
    { name: 'failures', match: { status: 'failed' }, channels: ['slack', 'teams'] },
    { name: 'vision', match: { status: 'completed', project_regex: '^vision/' }, channels: ['mattermost'], continue: true },
    { name: 'nlp', match: { labels: { team: 'nlp' } }, channels: ['discord'] },
    { name: 'never-reached-after-nlp', match: { labels: { team: 'nlp' } }, channels: ['telegram'] },
  ]);
  const router = new AlertRouter(routes, ['webhook'], ['slack', 'teams', 'mattermost', 'discord', 'telegram', 'webhook']);

  it('stops at the first matching rule unless it says continue', () => {
    expect(router.route(failedTaskAlert({ labels: { team: 'nlp' } }))).toEqual({ channels: ['slack', 'teams'], rules: ['failures'] });
    expect(router.route(completed('vision/x', { team: 'nlp' }))).toEqual({ channels: ['mattermost', 'discord'], rules: ['vision', 'nlp'] });
    expect(router.route(completed('vision/x'))).toEqual({ channels: ['mattermost'], rules: ['vision'] });
  });

  it('sends what no rule matched to the default channels', () => {
    expect(router.route(completed('other'))).toEqual({ channels: ['webhook'], rules: [] });
    expect(new AlertRouter(routes, '*', ['a', 'b']).route(completed('other')).channels).toEqual(['a', 'b']);
    expect(new AlertRouter(routes, [], ['a', 'b']).route(completed('other')).channels).toEqual([]);
  });
});
