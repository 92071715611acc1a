/** Small HTTP helpers shared by the chat peer specs. */

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

export async function send(
  url: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

/** The alert ClearML's own monitoring example posts (examples/services/monitoring/slack_alerts.py), in mrkdwn. */
export const CLEARML_ALERT = {
  taskId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  logUrl: 'https://app.clear.ml/projects/p1/experiments/a1b2c3d4e5f60718293a4b5c6d7e8f90/output/log',
  project: 'Snap4City/traffic',
  name: 'forecast-train',
  console: ['Epoch 3/10 loss=0.42', 'Traceback (most recent call last):', 'RuntimeError: CUDA out of memory'],
};

export function clearmlSlackText(): string {
  const a = CLEARML_ALERT;
  return `Experiment ID <${a.logUrl}|${a.taskId}> *failed*\nProject: *${a.project}*  -  Name: *${a.name}*\n\`\`\`${a.console.join('\n')}\`\`\``;
}
