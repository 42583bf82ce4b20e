// A mount job (目录互挂, a whole catalogue at once): its states and its id. The id carries the
// mounting province's GB/T 2260 division code, so the gateway routes `mountJob(id)` and
// `cancelMountJob(id)` to the province that holds the job without asking anyone.
import { randomUUID } from 'node:crypto';

export const MOUNT_JOB_STATES = ['QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'] as const;
export type MountJobState = (typeof MOUNT_JOB_STATES)[number];

const MOUNT_JOB_ID = /^([1-9]\d0000)\.mount\.([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/;

export function newMountJobId(divisionCode: string): string {
  return `${divisionCode}.mount.${randomUUID()}`;
}

/** The mounting province's division code of a job id, or null when it is not one. */
export function mountJobDivision(id: string): string | null {
  return MOUNT_JOB_ID.exec(id)?.[1] ?? null;
}
