import type { ComponentType } from 'react';
import { AccessDenied, Loading, useCanAccess, useGetOne } from 'react-admin';
import { Navigate, useLocation, useParams } from 'react-router-dom';

const PUBLIC_ID = /^[a-f0-9]{64}$/;

/**
 * A link with a machine's or task's public id (what users copy and share) leads to its page under
 * its internal id, the one the lists and react-admin's records use.
 */
function ByPublicId({ resource, publicId }: { resource: string; publicId: string }) {
  const location = useLocation();
  const { data, error } = useGetOne<{ id: string }>(resource, { id: publicId }, { retry: false });
  if (error) return <AccessDenied />;
  if (!data) return <Loading />;
  return <Navigate replace to={{ ...location, pathname: location.pathname.replace(publicId, data.id) }} />;
}

/**
 * A page shown only once the role may see it. react-admin checks access while the page already
 * loads its data; for a role without access that request would only be refused (403): this asks
 * first and loads nothing it may not show.
 */
export function guarded(resource: string, action: string, Page: ComponentType): ComponentType {
  function Guarded() {
    const { canAccess, isPending } = useCanAccess({ action, resource });
    const { id } = useParams();
    if (isPending) return <Loading />;
    if (!canAccess) return <AccessDenied />;
    if (id && PUBLIC_ID.test(id)) return <ByPublicId resource={resource} publicId={id} />;
    return <Page />;
  }
  Guarded.displayName = `Guarded(${resource}.${action})`;
  return Guarded;
}
