// The open draft's store, shared by every tab of the editor through React context.
import { createContext, useContext, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { DraftStore, DraftStoreApi } from './model/store';

export const DraftContext = createContext<DraftStoreApi | null>(null);

export function useDraftApi(): DraftStoreApi {
  const s = useContext(DraftContext);
  if (!s) throw new Error('no draft');
  return s;
}

export function useDraft<T>(select: (s: DraftStore) => T): T {
  return useStore(useDraftApi(), select);
}

/**
 * useChanged is the names of the files changed since the last save. Telling needs the changed
 * files printed, so it is worked out once the analyst pauses (delay ms after the last edit),
 * not on every keystroke; a save or a load tells at once.
 */
export function useChanged(store: DraftStoreApi, delay = 200): string[] {
  const [names, setNames] = useState<string[]>(() => store.getState().changed());
  useEffect(() => {
    let timer = 0;
    const tell = () => {
      const next = store.getState().changed();
      setNames((prev) => (prev.join('\n') === next.join('\n') ? prev : next));
    };
    tell();
    const stop = store.subscribe((s, prev) => {
      if (s.originals !== prev.originals) {
        window.clearTimeout(timer);
        tell();
      } else if (s.trees !== prev.trees || s.broken !== prev.broken) {
        window.clearTimeout(timer);
        timer = window.setTimeout(tell, delay);
      }
    });
    return () => {
      window.clearTimeout(timer);
      stop();
    };
  }, [store, delay]);
  return names;
}
