/** Snap4City's roles, lowest to highest (Ownership-API session.php priority order). */
export const ROLES = ['Public', 'Observer', 'Manager', 'AreaManager', 'ToolAdmin', 'RootAdmin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The highest known role among `roles`; a token without any known role counts as Public. */
export function highestRole(roles: readonly string[]): Role {
  let best = 0;
  for (const r of roles) {
    const rank = ROLES.indexOf(r as Role);
    if (rank > best) best = rank;
  }
  return ROLES[best]!;
}

export function hasAtLeast(roles: readonly string[], minimum: Role): boolean {
  return ROLES.indexOf(highestRole(roles)) >= ROLES.indexOf(minimum);
}
