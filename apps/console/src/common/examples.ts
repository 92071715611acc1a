/** The API's address as a caller outside the console writes it (examples to paste). */
export function apiBase(configured = ''): string {
  return configured || window.location.origin;
}
