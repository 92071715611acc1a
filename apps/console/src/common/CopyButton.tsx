import { useState } from 'react';
import { IconButton, Tooltip } from '@mui/material';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import CheckIcon from '@mui/icons-material/Check';
import { useNotify } from 'react-admin';

/** Copies `text` to the clipboard; says so for screen readers and with a check mark. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const notify = useNotify();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      notify(`${label}: copied`, { type: 'info', autoHideDuration: 2000 });
      setTimeout(() => setCopied(false), 2000);
    } catch {
      notify('The browser did not allow copying; select the text instead', { type: 'warning' });
    }
  };
  return (
    <Tooltip title={copied ? 'Copied' : `Copy ${label.toLowerCase()}`}>
      <IconButton size="small" aria-label={`Copy ${label.toLowerCase()}`} onClick={(e) => (e.stopPropagation(), void copy())}>
        {copied ? <CheckIcon fontSize="small" /> : <ContentCopyIcon fontSize="small" />}
      </IconButton>
    </Tooltip>
  );
}
