import fc from 'fast-check';
import { AppError } from '@cleargate/contracts';
import { bearerToken } from '../auth/auth.service';
import { parseInput } from '../http/validation';
import { compatOndemandBody, modelInput } from './ondemand.routes';

// The compatible route's body is what Snap4City's Node-RED block sends, and anything else a
// client may put there: every input is either accepted as the model input or refused with a 400.

const machineId = fc.stringMatching(/^[a-fA-F0-9]{64}$/);
const endpoint = fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/);

describe('the compatible body parser, properties', () => {
  it('refuses anything that is not a valid body with a 400, never another error', () => {
    const bodies = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { access_token: fc.jsonValue(), machine_id: fc.jsonValue(), endpoint: fc.jsonValue(), params: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.record({ machine_id: machineId, endpoint, params: fc.oneof(fc.jsonValue(), fc.string()) }),
    );
    fc.assert(
      fc.property(bodies, (raw) => {
        let parsed;
        try {
          parsed = parseInput(compatOndemandBody, JSON.parse(JSON.stringify(raw ?? null)), 'body');
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).httpStatus).toBe(400);
          return;
        }
        expect(parsed.machine_id).toMatch(/^[a-f0-9]{64}$/);
        try {
          const input = modelInput(parsed.params);
          // what is forwarded is JSON text
          expect(() => JSON.stringify(input)).not.toThrow();
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).details).toEqual({ issues: [{ path: 'body.params', message: 'not valid JSON' }] });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('params given as JSON text become the same value as params given as JSON, and the machine id is case-insensitive', () => {
    // (a string or null as params means something else: JSON text to parse, and "no params")
    const params = fc.jsonValue().filter((v) => typeof v !== 'string' && v !== null);
    fc.assert(
      fc.property(machineId, endpoint, params, (id, name, raw) => {
        const value = JSON.parse(JSON.stringify(raw)) as unknown;
        const asText = parseInput(compatOndemandBody, { machine_id: id, endpoint: name, params: JSON.stringify(value) }, 'body');
        const asJson = parseInput(compatOndemandBody, { machine_id: id.toUpperCase(), endpoint: name, params: value }, 'body');
        expect(asText.machine_id).toBe(asJson.machine_id);
        expect(modelInput(asText.params)).toEqual(modelInput(asJson.params));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the bearer token parser, properties', () => {
  const token68 = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,200}=*$/);

  it('finds the token after the scheme in any case and with any spacing, and nothing in other headers', () => {
    fc.assert(
      fc.property(
        token68,
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'),
        fc.stringMatching(/^[ \t]{1,3}$/),
        (token, scheme, space) => {
          expect(bearerToken(`${scheme}${space}${token}`)).toBe(token);
          expect(bearerToken(`${scheme}${space}${token}  `)).toBe(token);
          expect(bearerToken(`Basic ${token}`)).toBeUndefined();
          expect(bearerToken(`${scheme}${space}${token} extra`)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever the header holds', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 500, unit: 'binary' }), { nil: undefined }), (header) => {
        const token = bearerToken(header);
        if (token !== undefined) expect(token).toMatch(/^\S+$/);
      }),
      { numRuns: 1000 },
    );
  });
});
