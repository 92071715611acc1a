import { apiVersionAtLeast, taskLogUrl, webHostFromApiHost } from './web-urls';

describe('taskLogUrl', () => {
  it('uses /experiments/ before API 2.31 and /tasks/ from 2.31', () => {
    expect(taskLogUrl('http://app.example.org/', 'p1', 't1', '2.30')).toBe('http://app.example.org/projects/p1/experiments/t1/output/log');
    expect(taskLogUrl('http://app.example.org', 'p1', 't1', '2.31')).toBe('http://app.example.org/projects/p1/tasks/t1/output/log');
    expect(taskLogUrl('http://app.example.org', 'p1', 't1', '2.34')).toBe('http://app.example.org/projects/p1/tasks/t1/output/log');
  });

  it('uses * for an unknown project and the older form for an unknown version', () => {
    expect(taskLogUrl('http://h:8080', undefined, 't1', undefined)).toBe('http://h:8080/projects/*/experiments/t1/output/log');
  });

  it('compares versions numerically', () => {
    expect(apiVersionAtLeast('2.4', 2, 31)).toBe(false);
    expect(apiVersionAtLeast('3.0', 2, 31)).toBe(true);
    expect(apiVersionAtLeast('garbage', 2, 31)).toBe(false);
  });
});

describe('webHostFromApiHost', () => {
  it('applies the SDK rules', () => {
    expect(webHostFromApiHost('https://api.clear.ml')).toBe('https://app.clear.ml');
    expect(webHostFromApiHost('https://demoapi.demo.clear.ml')).toBe('https://demoapp.demo.clear.ml');
    expect(webHostFromApiHost('http://clearml-server:8008/')).toBe('http://clearml-server:8080');
    expect(webHostFromApiHost('http://clearml-server:9000')).toBeUndefined();
  });
});
