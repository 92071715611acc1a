/** The other queues are edited as one line, "gpu-large, cpu-batch", and sent as the list it names. */
export const queueList = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? [
          ...new Set(
            value
              .split(',')
              .map((q) => q.trim())
              .filter(Boolean),
          ),
        ]
      : [];
