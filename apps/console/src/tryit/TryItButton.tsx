import { Button, useCanAccess, useRecordContext } from 'react-admin';
import { Link } from 'react-router-dom';
import ScienceIcon from '@mui/icons-material/Science';

/** Opens "Try it" on this endpoint (a record with machine_id and name) or task (task_id). */
export function TryItButton() {
  const record = useRecordContext<{ machine_id?: string; name?: string; task_id?: string }>();
  const { canAccess } = useCanAccess({ action: 'list', resource: 'try-it' });
  if (!record || !canAccess) return null;
  const query = record.task_id
    ? new URLSearchParams({ task_id: record.task_id })
    : new URLSearchParams({ machine_id: record.machine_id ?? '', endpoint: record.name ?? '' });
  return (
    <Button component={Link} to={`/try?${query}`} label="Try it" onClick={(e) => e.stopPropagation()}>
      <ScienceIcon />
    </Button>
  );
}
