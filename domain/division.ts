// GB/T 2260 administrative division codes at province level: the first two of the six digits.
// A code outside this set is malformed (a typo or an invented code); a code inside it names a
// real region, which may or may not be federated here — a different answer to the caller.

// 10: central-level registrations (GB 32100 gives national authorities division 100000).
const PROVINCE_PREFIXES = new Set([
  '10',
  '11',
  '12',
  '13',
  '14',
  '15', // 华北
  '21',
  '22',
  '23', // 东北
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37', // 华东
  '41',
  '42',
  '43',
  '44',
  '45',
  '46', // 中南
  '50',
  '51',
  '52',
  '53',
  '54', // 西南
  '61',
  '62',
  '63',
  '64',
  '65', // 西北
  '71',
  '81',
  '82', // 台湾, 香港, 澳门
]);

/** True when a six-digit code lies in a GB/T 2260 province-level region (or is central-level). */
export function isKnownDivision(divisionCode: string): boolean {
  return /^\d{6}$/.test(divisionCode) && PROVINCE_PREFIXES.has(divisionCode.slice(0, 2));
}
