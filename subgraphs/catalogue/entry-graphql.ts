// Maps a stored catalogue record to the shape of the province's GraphQL entry type.
import type { ProvinceConfig } from '../../common/config.js';
import { regionOf } from '../../common/schema/listing-fields.js';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import type { CertificateRecord } from '../../domain/certificate.js';
import { parseClassification } from '../../domain/classification.js';

export function toGraphQLEntry(rec: CatalogueEntryRecord, province: ProvinceConfig, typename: string) {
  const cls = parseClassification(rec.classification);
  return {
    __typename: typename,
    ...rec,
    region: regionOf(province),
    classification: cls.ok
      ? {
          code: cls.value.code,
          category: Number(cls.value.category),
          categoryName: cls.value.categoryName,
          item: cls.value.item,
          catalog: cls.value.catalog,
          detail: cls.value.detail,
        }
      : { code: rec.classification, category: 0, categoryName: '', item: '', catalog: '', detail: null },
    provider: { name: rec.providerName, creditCode: rec.providerCode, divisionCode: rec.providerDivisionCode },
  };
}

/** A person's name shows only its first and last character (张*明); organisations in clear. */
function maskPersonName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

export function toGraphQLCertificate(rec: CertificateRecord, province: ProvinceConfig, typename: string, sealKeyId: string) {
  return {
    __typename: typename,
    id: rec.id,
    typeCode: rec.typeCode,
    typeName: rec.typeName,
    number: rec.number,
    name: rec.name,
    issuer: { name: rec.issuerName, creditCode: rec.issuerCode, divisionCode: rec.issuerDivisionCode },
    definingAuthority: rec.definingAuthority,
    issueDate: rec.issueDate,
    validFrom: rec.validFrom,
    validTo: rec.validTo,
    holder: {
      name: rec.holder.idType === 'USCC' ? rec.holder.name : maskPersonName(rec.holder.name),
      idType: rec.holder.idType,
      idMasked: rec.holder.idMasked,
    },
    status: rec.status,
    revokedAt: rec.revokedAt,
    revocationReason: rec.revocationReason,
    region: regionOf(province),
    sealKeyId,
  };
}
