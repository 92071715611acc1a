/** Milliseconds as the console shows them: to a tenth. */
export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : `${Math.round(value * 10) / 10} ms`;

/** A date and time in the browser's zone and language. */
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '–');
