import { randomUUID } from 'node:crypto';

export interface CallResult {
  id: string;
  status: number;
  startedAt: number;
  endedAt: number;
}

/** One on-demand call through the gateway with its own x-request-id (the call log's correlation id). */
export async function call(
  gateway: string,
  token: string,
  machineId: string,
  endpoint = 'echo',
  body: unknown = { n: 1 },
): Promise<CallResult> {
  const id = randomUUID();
  const startedAt = Date.now();
  let status = 0;
  try {
    const res = await fetch(`${gateway}/v1/ondemand/${machineId}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    status = res.status;
  } catch {
    status = -1; // the connection failed (refused, reset)
  }
  return { id, status, startedAt, endedAt: Date.now() };
}

export interface RunResult {
  status: number;
  runId?: string;
  at: number;
}

/**
 * `clients` loops of on-demand calls and run submissions against the gateways (round robin),
 * until `stop()`; every outcome is kept.
 */
export function traffic(options: {
  gateways: () => string[];
  token: string;
  machineId: string;
  taskId: string;
  callClients: number;
  runClients: number;
}) {
  const calls: CallResult[] = [];
  const runs: RunResult[] = [];
  let running = true;
  let turn = 0;
  const gateway = () => {
    const all = options.gateways();
    return all[turn++ % all.length]!;
  };
  const pause = () => new Promise((r) => setTimeout(r, 5));
  const callLoop = async () => {
    while (running) {
      calls.push(await call(gateway(), options.token, options.machineId));
      await pause();
    }
  };
  const runLoop = async () => {
    while (running) {
      const at = Date.now();
      try {
        const res = await fetch(`${gateway()}/v1/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ task_id: options.taskId, params: {} }),
        });
        const json = (await res.json().catch(() => null)) as { run_id?: string } | null;
        runs.push({ status: res.status, ...(json?.run_id && res.status === 202 ? { runId: json.run_id } : {}), at });
      } catch {
        runs.push({ status: -1, at });
      }
      await pause();
    }
  };
  const loops = [...Array.from({ length: options.callClients }, callLoop), ...Array.from({ length: options.runClients }, runLoop)];
  return {
    calls,
    runs,
    accepted: () => runs.filter((r) => r.runId).map((r) => r.runId!),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
