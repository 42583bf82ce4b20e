// Schema v6 (both backends): grades and personal-information levels on entries that predate them.
// One function decides, so SQLite and PostgreSQL migrate a store to the same values
// (domain/grading.ts: personalInfoOf, migratedGrade).
import type { OpenType, SharingType } from '../../../domain/catalogue.js';
import { migratedGrade, personalInfoOf, type DataGrade, type PersonalInfo } from '../../../domain/grading.js';

export interface UngradedRow {
  dataItems: readonly { name: string; dataType: string; personalInfo?: PersonalInfo }[];
  sharingType: SharingType;
  openType: OpenType;
}

/** The data items with their personal-information level (kept where already stated) and the grade. */
export function gradeExisting(row: UngradedRow): { dataItems: { name: string; dataType: string; personalInfo: PersonalInfo }[]; grade: DataGrade } {
  const dataItems = row.dataItems.map((i) => ({ name: i.name, dataType: i.dataType, personalInfo: i.personalInfo ?? personalInfoOf(i.name) }));
  return { dataItems, grade: migratedGrade({ sharingType: row.sharingType, openType: row.openType, dataItems }) };
}
