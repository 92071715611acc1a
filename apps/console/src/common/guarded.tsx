import type { ComponentType } from 'react';
import { AccessDenied, Loading, useCanAccess } from 'react-admin';

/**
 * A page shown only once the role may see it. react-admin checks access while the page already
 * loads its data; for a role without access that request would only be refused (403): this asks
 * first and loads nothing it may not show.
 */
export function guarded(resource: string, action: string, Page: ComponentType): ComponentType {
  function Guarded() {
    const { canAccess, isPending } = useCanAccess({ action, resource });
    if (isPending) return <Loading />;
    if (!canAccess) return <AccessDenied />;
    return <Page />;
  }
  Guarded.displayName = `Guarded(${resource}.${action})`;
  return Guarded;
}
