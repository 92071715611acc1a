import { JetStreamApiError } from '@nats-io/jetstream';
import { errors as natsErrors } from '@nats-io/nats-core';
import { isJetStreamUnavailable, whileJetStreamStarts } from './jetstream-admin';

const apiError = (code: number, err_code: number) => new JetStreamApiError({ code, err_code, description: 'x' });

describe('isJetStreamUnavailable', () => {
  it('is true for a timeout, no responders and a cluster not ready', () => {
    expect(isJetStreamUnavailable(new natsErrors.TimeoutError())).toBe(true);
    expect(isJetStreamUnavailable(new natsErrors.RequestError('request failed', { cause: new natsErrors.TimeoutError() }))).toBe(true);
    expect(isJetStreamUnavailable(new natsErrors.NoRespondersError('$JS.API.STREAM.INFO.X'))).toBe(true);
    expect(isJetStreamUnavailable(apiError(503, 10008))).toBe(true);
  });

  it('is false for an answer that asking again will not change', () => {
    expect(isJetStreamUnavailable(apiError(404, 10059))).toBe(false);
    expect(isJetStreamUnavailable(apiError(400, 10058))).toBe(false);
    expect(isJetStreamUnavailable(new Error('boom'))).toBe(false);
  });
});

describe('whileJetStreamStarts', () => {
  const logger = { warn: jest.fn() };
  beforeEach(() => logger.warn.mockClear());

  it('asks again while JetStream is unavailable, then returns the answer', async () => {
    let calls = 0;
    const step = async () => {
      if (++calls < 3) throw new natsErrors.TimeoutError();
      return 'created';
    };
    await expect(whileJetStreamStarts(step, { what: 'create consumer c', logger, pauseMs: 1 })).resolves.toBe('created');
    expect(calls).toBe(3);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[0][1]).toBe('JetStream did not answer; trying again to create consumer c');
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const refused = apiError(400, 10058);
    const step = async () => {
      calls++;
      throw refused;
    };
    await expect(whileJetStreamStarts(step, { what: 'create stream s', logger, pauseMs: 1 })).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up with the last error after its time', async () => {
    let calls = 0;
    const step = async () => {
      calls++;
      throw new natsErrors.TimeoutError();
    };
    await expect(whileJetStreamStarts(step, { what: 'open bucket b', logger, timeoutMs: 30, pauseMs: 5 })).rejects.toBeInstanceOf(
      natsErrors.TimeoutError,
    );
    expect(calls).toBeGreaterThan(1);
  });
});
