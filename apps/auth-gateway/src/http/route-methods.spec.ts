import { RouteMethods } from './route-methods';

describe('RouteMethods', () => {
  const table = new RouteMethods();
  table.add('/v1/machines', ['GET', 'HEAD']);
  table.add('/v1/machines', 'post');
  table.add('/v1/machines/:id', ['GET', 'PATCH', 'DELETE']);
  table.add('/v1/ondemand/:machineId/*', 'POST');
  table.add('/openapi.json', 'GET');

  it('lists every method of the routes a path matches, sorted and upper-case', () => {
    expect(table.allowed('/v1/machines')).toEqual(['GET', 'HEAD', 'POST']);
    expect(table.allowed('/v1/machines/abc')).toEqual(['DELETE', 'GET', 'PATCH']);
  });

  it('matches a parameter to one segment and a wildcard to the rest of the path', () => {
    expect(table.allowed('/v1/machines/abc/def')).toEqual([]);
    expect(table.allowed('/v1/ondemand/m/model/1')).toEqual(['POST']);
    expect(table.allowed('/v1/ondemand/m/')).toEqual([]);
    expect(table.allowed('/v1/ondemand/m')).toEqual([]);
  });

  it('takes route text literally and knows nothing of paths it was not given', () => {
    expect(table.allowed('/openapiXjson')).toEqual([]);
    expect(table.allowed('/v1/machines/')).toEqual([]);
    expect(table.allowed('/v1/nothing')).toEqual([]);
  });
});
