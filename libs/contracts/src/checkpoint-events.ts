import type { NewEvent } from './envelope';

/**
 * A chain checkpoint: the last stream sequence it covers and a SHA-256 over every aggregate head
 * (subject → hash of its last event) at that sequence, so a removed tail or aggregate is detected.
 */
export interface ChainCheckpointedData {
  lastSequence: number;
  aggregates: number;
  events: number;
  headsHash: string;
}

export type CheckpointEvent = NewEvent<'ChainCheckpointed', ChainCheckpointedData>;
