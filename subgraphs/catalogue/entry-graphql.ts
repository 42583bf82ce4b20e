// Maps a stored catalogue record to the shape of the province's GraphQL entry type.
import type { ProvinceConfig } from '../../common/config.js';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import { parseClassification } from '../../domain/classification.js';

export function toGraphQLEntry(rec: CatalogueEntryRecord, province: ProvinceConfig, typename: string) {
  const cls = parseClassification(rec.classification);
  return {
    __typename: typename,
    ...rec,
    region: {
      divisionCode: province.divisionCode,
      name: province.name,
      platform: province.platform.name,
      platformRomanized: province.platform.romanized,
    },
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
