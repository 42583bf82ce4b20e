// The administrators' command line's GraphQL operations (mirror:mount, mirror:status, quality:report): the only
// documents it sends, so the gateway can allow them as trusted documents (config/documents/admin-cli.json,
// written by `npm run documents:services`, checked current by test/unit/service-documents.test.ts).
export const JOB_FIELDS = 'id source province state total mounted skipped failed approvalRef createdAt createdBy startedAt finishedAt lastError nextAttemptAt';

/** Jobs mirror:status lists. */
export const STATUS_JOBS = 20;

export const MOUNT = `mutation MirrorMount($source: Province!, $filter: DirectoryFilter, $approvalRef: String) {
  mountCatalogue(source: $source, filter: $filter, approvalRef: $approvalRef) { ${JOB_FIELDS} }
}`;
export const JOB = `query MirrorMountJob($id: ID!) { mountJob(id: $id) { ${JOB_FIELDS} } }`;
export const STATUS = `query MirrorStatus {
  mirrorSyncStatus { province states { state count } sources { source checkedAt lagSeconds lastChangeAt lastError nextAttemptAt changesRead } }
  mountJobs(first: ${STATUS_JOBS}) { ${JOB_FIELDS} }
}`;

const QUALITY_ENTRY = 'id province name providerName providerCode';

/** quality:report: the caller's own province's report (catalogueQuality defaults to it). */
export const QUALITY = `query QualityReport {
  catalogueQuality {
    province asOf comparedWith unavailable
    summary { entriesChecked duplicateGroups duplicateEntries completeness { issue count } timeliness { issue count } }
    duplicates { scope entries { ${QUALITY_ENTRY} } nameSimilarity sharedDataItems reason }
    completeness { issue entry { ${QUALITY_ENTRY} } detail }
    timeliness { issue entry { ${QUALITY_ENTRY} } updateCycle lastUpdated overdueDays pendingSourceVersion detail }
  }
}`;

export const ADMIN_CLI_OPERATIONS = [MOUNT, JOB, STATUS, QUALITY];
