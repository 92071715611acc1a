import { useEffect, useMemo, useRef } from 'react';
import { useFormContext } from 'react-hook-form';
import { useNotify } from 'react-admin';
import { useLocation } from 'react-router-dom';
import { draftStore } from '../auth/drafts';

/**
 * Keeps what the user typed in the form of this page while they type, so that a session ending
 * under them (the realm asks them to sign in again) costs nothing: back from the login, the form
 * has its values again. Leaving the form (saved, or on purpose) forgets them.
 */
export function FormDraft({ name }: { name?: string }) {
  const { watch, reset, getValues } = useFormContext();
  const location = useLocation();
  const notify = useNotify();
  const key = name ?? location.pathname;
  const drafts = useMemo(() => draftStore(), []);
  const restored = useRef(false);

  useEffect(() => {
    if (restored.current) return;
    restored.current = true;
    const draft = drafts.takeReturning() ? drafts.load(key) : undefined;
    let restoring: ReturnType<typeof setTimeout> | undefined;
    if (draft) {
      // After this render's effects: the form (an ancestor, whose effects run after ours) sets
      // its default values first.
      restoring = setTimeout(() => {
        reset({ ...getValues(), ...draft }, { keepDefaultValues: true });
        notify('Your unsaved changes were restored', { type: 'info' });
      }, 0);
    } else drafts.clear(key);
    // Leaving the form on purpose forgets it; being sent to the login keeps it.
    return () => {
      clearTimeout(restoring);
      if (!drafts.isReturning()) drafts.clear(key);
    };
  }, [drafts, key, reset, getValues, notify]);

  useEffect(() => {
    const subscription = watch((values) => drafts.save(key, values as Record<string, unknown>));
    return () => subscription.unsubscribe();
  }, [watch, drafts, key]);

  return null;
}
