// explain layer: what one simulator event did, and the two ways an event does
// nothing (refused: the era or state cannot do it; blocked: it waits for the
// DAX entry lock). Shared by simulate.ts and readers.ts.
import type { Hazard, Outcome, PageState } from './types';

/** The state is the handler's working copy, kept only when applied. */
export interface EventResult { outcome: Outcome; sentence: string; hazard?: Hazard }

export function refused(sentence: string): EventResult {
  return { outcome: 'refused', sentence };
}

export function blockedBy(s: PageState, what: string): EventResult | undefined {
  if (!s.entryLock) return undefined;
  return { outcome: 'blocked', sentence: `${what} sleeps until ${s.entryLock} drops the DAX entry lock; nothing changes yet.` };
}
