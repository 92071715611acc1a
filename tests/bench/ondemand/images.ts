/**
 * Images through the on-demand path: binary bodies of 64 KiB, 512 KiB and 4 MiB posted on
 * `/v1/ondemand/{machine}/echo` (the serving peer's echo model answers `{"echo_bytes": n}`),
 * straight to the serving peer and through the bare relay's raw route, alternating in rounds
 * like the JSON scenarios. For each size: throughput, p50/p99, and the peak resident memory of
 * the gateway and the router while the size was measured (VmHWM, reset before each size where
 * the kernel lets us, and RSS sampled every 20 ms), against the bound the issue sets:
 * 64 MiB + 3 × the bytes in flight (connections × body size).
 */
import { randomBytes } from 'node:crypto';
import { combine, Figures, load, memoryBytes, mib, resetPeakRss } from '../support';

export const IMAGE_SIZES = (process.env.BENCH_IMAGE_SIZES ?? '65536,524288,4194304').split(',').map(Number);

export interface ImageTargets {
  gateway: string;
  direct: string;
  relay: string;
  token: string;
  /** The services whose memory is watched. */
  watched: { name: string; pid: number }[];
}

export interface ImageFigures {
  bytes: number;
  direct: Figures;
  gateway: Figures;
  relay: Figures;
  gateway_to_relay: number;
  peak_rss: Record<string, number>;
  /** Resident before the size's first request (after the sizes before it). */
  rest_rss: Record<string, number>;
  rss_bound: number;
}

/** Peak RSS of each watched process while `work` runs: the larger of VmHWM and the sampled RSS. */
async function watchMemory<T>(watched: { name: string; pid: number }[], work: () => Promise<T>): Promise<[T, Record<string, number>]> {
  const peaks: Record<string, number> = {};
  const hwm = watched.map((w) => resetPeakRss(w.pid));
  const sample = () => {
    for (const w of watched) peaks[w.name] = Math.max(peaks[w.name] ?? 0, memoryBytes(w.pid, 'VmRSS') || 0);
  };
  sample();
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    watched.forEach((w, i) => {
      if (hwm[i]) peaks[w.name] = Math.max(peaks[w.name]!, memoryBytes(w.pid, 'VmHWM') || 0);
    });
    return [result, peaks];
  } finally {
    clearInterval(timer);
  }
}

export async function measureImages(
  targets: ImageTargets,
  options: { connections: number; rounds: number; slice: number; warmup: number },
): Promise<ImageFigures[]> {
  const out: ImageFigures[] = [];
  const binary = { 'content-type': 'application/octet-stream' };
  for (const bytes of IMAGE_SIZES) {
    const body = randomBytes(bytes);
    const rest = Object.fromEntries(targets.watched.map((w) => [w.name, memoryBytes(w.pid, 'VmRSS')]));
    console.log(`images: ${bytes / 1024} KiB bodies, ${options.rounds} rounds of direct, gateway and bare relay`);
    await load(targets.direct, body, options.connections, options.warmup, binary);
    await load(targets.gateway, body, options.connections, options.warmup, { ...binary, authorization: `Bearer ${targets.token}` });
    await load(targets.relay, body, options.connections, options.warmup, binary);
    const direct: Figures[] = [];
    const gateway: Figures[] = [];
    const relay: Figures[] = [];
    const [, peaks] = await watchMemory(targets.watched, async () => {
      for (let round = 0; round < options.rounds; round++) {
        direct.push(await load(targets.direct, body, options.connections, options.slice, binary));
        gateway.push(
          await load(targets.gateway, body, options.connections, options.slice, { ...binary, authorization: `Bearer ${targets.token}` }),
        );
        relay.push(await load(targets.relay, body, options.connections, options.slice, binary));
      }
    });
    const figures: ImageFigures = {
      bytes,
      direct: combine(direct),
      gateway: combine(gateway),
      relay: combine(relay),
      gateway_to_relay: 0,
      peak_rss: peaks,
      rest_rss: rest,
      rss_bound: 64 * 1024 * 1024 + 3 * options.connections * bytes,
    };
    figures.gateway_to_relay = figures.gateway.rps / figures.relay.rps;
    out.push(figures);
  }
  return out;
}

export function printImages(figures: ImageFigures[], connections: number): void {
  console.log(
    `\nimages at ${connections} connections   req/s (direct / gateway / relay)   p50 ms   p99 ms (gateway)   gateway/relay   errors+non-2xx`,
  );
  for (const f of figures) {
    const bad = ['direct', 'gateway', 'relay'].reduce((n, k) => n + f[k as 'gateway'].errors + f[k as 'gateway'].non2xx, 0);
    console.log(
      `  ${`${f.bytes / 1024} KiB`.padEnd(10)} ${f.direct.rps.toFixed(0).padStart(6)} / ${f.gateway.rps.toFixed(0).padStart(6)} / ${f.relay.rps.toFixed(0).padStart(6)}   ${String(f.gateway.p50).padStart(6)} ${String(f.gateway.p99).padStart(8)}   ${(f.gateway_to_relay * 100).toFixed(1).padStart(6)} %   ${bad}`,
    );
  }
  console.log(`RSS (MiB) before each size → its peak, and the bound 64 MiB + 3 × bytes in flight:`);
  for (const f of figures) {
    console.log(
      `  ${`${f.bytes / 1024} KiB`.padEnd(10)} ${Object.entries(f.peak_rss)
        .map(([name, bytes]) => `${name} ${mib(f.rest_rss[name] ?? NaN)} → ${mib(bytes)}`)
        .join(', ')}   bound ${mib(f.rss_bound)}`,
    );
  }
}
