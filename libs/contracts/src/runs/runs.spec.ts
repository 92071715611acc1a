import { runRequested } from './runs';

const request = {
  run_id: '0b7f3c1e-2a4d-4c5e-9f60-1a2b3c4d5e6f',
  task_id: 'a'.repeat(64),
  clearml_task_id: 'c0ffee00c0ffee00c0ffee00c0ffee05',
  template_name: null,
  params_section: 'General',
  queue: 'default',
  params: {},
  caller: 'alice',
  requested_at: '2026-12-03T09:05:03.250Z',
};

describe('runRequested', () => {
  it('carries the route a run was requested on', () => {
    expect(runRequested.payload.parse({ ...request, route: 'compat' }).route).toBe('compat');
  });

  it('reads a request published before the route was sent as one with no route', () => {
    expect(runRequested.payload.parse(request).route).toBeNull();
  });

  it('refuses a route that is neither compat nor v1', () => {
    expect(runRequested.payload.safeParse({ ...request, route: 'grpc' }).success).toBe(false);
  });
});
