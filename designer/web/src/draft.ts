// The open draft's store, shared by every tab of the editor through React context.
import { createContext, useContext } from 'react';
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
