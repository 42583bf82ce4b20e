// GraphQL enum definitions generated from the domain's value lists, so every subgraph
// (province and gateway-local) declares byte-identical enums: composition requires that for
// enums used both as input and output (Federation 2 enum merge rules).
import {
  SHARING_TYPES,
  SHARING_METHODS,
  OPEN_TYPES,
  UPDATE_CYCLES,
  RESOURCE_FORMATS,
  DATA_TYPES,
  ENTRY_STATUSES,
  ENTRY_KINDS,
  MIRROR_STATES,
} from '../../domain/catalogue.js';
import { CERTIFICATE_STATUSES, HOLDER_ID_TYPES } from '../../domain/certificate.js';
import { DATA_GRADES, PERSONAL_INFO_LEVELS } from '../../domain/grading.js';

const enumSdl = (name: string, values: readonly string[]) => `enum ${name} {\n  ${values.join('\n  ')}\n}`;

export const DOMAIN_ENUMS_SDL = [
  enumSdl('SharingType', SHARING_TYPES),
  enumSdl('SharingMethod', SHARING_METHODS),
  enumSdl('OpenType', OPEN_TYPES),
  enumSdl('UpdateCycle', UPDATE_CYCLES),
  enumSdl('ResourceFormat', RESOURCE_FORMATS),
  enumSdl('DataType', DATA_TYPES),
  enumSdl('EntryStatus', ENTRY_STATUSES),
  enumSdl('EntryKind', ENTRY_KINDS),
  enumSdl('MirrorState', MIRROR_STATES),
  `"GB/T 43697-2024 data grade: GENERAL 一般数据, IMPORTANT 重要数据, CORE 核心数据."\n${enumSdl('DataGrade', DATA_GRADES)}`,
  `"PIPL: NONE, PERSONAL 个人信息, SENSITIVE 敏感个人信息."\n${enumSdl('PersonalInfo', PERSONAL_INFO_LEVELS)}`,
  enumSdl('CertificateStatus', CERTIFICATE_STATUSES),
  enumSdl('HolderIdType', HOLDER_ID_TYPES),
].join('\n\n');

export const MIRROR_SOURCE_STATES = ['CURRENT', 'CHANGED', 'WITHDRAWN', 'GONE', 'UNAVAILABLE'] as const;
export type MirrorSourceState = (typeof MIRROR_SOURCE_STATES)[number];
