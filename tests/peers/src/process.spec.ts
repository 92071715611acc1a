import { createServer } from 'node:net';
import { listen, peerOptions } from './process';

describe('peer process options', () => {
  const declared = { port: 'PEER_PORT', host: null, 'latency-ms': null };

  it('takes --name value and --name=value before the environment variable', () => {
    const options = peerOptions(declared, ['no-agents'], ['--port', '8008', '--host=0.0.0.0', '--no-agents'], { PEER_PORT: '9000' });
    expect(options.port('port')).toBe(8008);
    expect(options.string('host')).toBe('0.0.0.0');
    expect(options.flag('no-agents')).toBe(true);
    expect(options.number('latency-ms')).toBeUndefined();
  });

  it('falls back to the environment variable, ignoring an empty one', () => {
    expect(peerOptions(declared, [], [], { PEER_PORT: '9000' }).port('port')).toBe(9000);
    expect(peerOptions(declared, [], [], { PEER_PORT: '' }).port('port')).toBeUndefined();
    expect(peerOptions(declared, ['no-agents'], [], {}).flag('no-agents')).toBe(false);
  });

  it('rejects unknown options, malformed numbers and out-of-range ports', () => {
    expect(() => peerOptions(declared, [], ['--bogus'], {})).toThrow(/Unknown option '--bogus'/);
    expect(() => peerOptions(declared, [], ['--latency-ms', 'abc'], {}).number('latency-ms')).toThrow(
      '--latency-ms must be a number, got "abc"',
    );
    expect(() => peerOptions(declared, [], ['--latency-ms='], {}).number('latency-ms')).toThrow('must be a number');
    expect(() => peerOptions(declared, [], [], { PEER_PORT: '70000' }).port('port')).toThrow('--port must be a port number, got 70000');
    expect(() => peerOptions(declared, [], ['--port', '80.5'], {}).port('port')).toThrow('must be a port number');
  });
});

describe('listen', () => {
  it('resolves with the bound port and rejects when the port is taken', async () => {
    const first = createServer();
    const port = await listen(first, 0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const second = createServer();
    await expect(listen(second, port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    await new Promise((resolve) => first.close(resolve));
  });
});
