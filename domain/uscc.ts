// Unified social credit code (统一社会信用代码), GB 32100-2015.
//
// Layout (18 characters):
//   pos 1     registration-authority code (登记管理部门代码)
//   pos 2     organisation-category code (机构类别代码)
//   pos 3–8   registering authority's administrative division code (GB/T 2260)
//   pos 9–17  organisation identification body (主体标识码, GB 11714 organisation code)
//   pos 18    check character (校验码), GB 32100-2015 §4.4 / annex B
//
// The code is matched exactly: lower-case letters and surrounding spaces are rejected,
// not normalised, so a stored code is always the canonical form.

/** GB 32100-2015 table 1: the 31 code characters; a character's value is its index. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const USCC_LENGTH = 18;

// GB 32100-2015 §4.4: weight of position i (1-based) is 3^(i-1) mod 31.
const WEIGHTS: readonly number[] = (() => {
  const w: number[] = [];
  let x = 1;
  for (let i = 0; i < USCC_LENGTH - 1; i += 1) {
    w.push(x);
    x = (x * 3) % 31;
  }
  return w;
})();

const VALUE: ReadonlyMap<string, number> = new Map([...USCC_ALPHABET].map((c, i) => [c, i]));

// GB 32100-2015 annex A (登记管理部门代码): 1 机构编制, 5 民政, 9 工商, Y 其他 in the
// original table; 2 外交, 3 司法行政, 4 文化, 6 旅游, 7 宗教, 8 工会, A 中央军委改革和编制办公室,
// N 农业 are the further authorities listed in the standard's code table as amended.
const REGISTRATION_AUTHORITIES: ReadonlySet<string> = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'N', 'Y']);

export type UsccResult = { ok: true; divisionCode: string } | { ok: false; reason: string };

function weightedSum(first17: string): number {
  let sum = 0;
  for (let i = 0; i < USCC_LENGTH - 1; i += 1) {
    const v = VALUE.get(first17.charAt(i));
    if (v === undefined) throw new RangeError(`illegal character at position ${i + 1}`);
    sum += v * (WEIGHTS[i] as number);
  }
  return sum;
}

/**
 * The check character for the first 17 characters of a code (GB 32100-2015 §4.4:
 * C18 = 31 − (Σ Ci·Wi mod 31), with 31 mapped to 0). Throws RangeError on a wrong length
 * or a character outside the alphabet.
 */
export function usccCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || first17.length !== USCC_LENGTH - 1) {
    throw new RangeError(`expected ${USCC_LENGTH - 1} characters`);
  }
  const check = (31 - (weightedSum(first17) % 31)) % 31;
  return USCC_ALPHABET.charAt(check);
}

/** Appends the check character. Throws like `usccCheckChar`. */
export function makeUscc(first17: string): string {
  return first17 + usccCheckChar(first17);
}

/** Full validation; on success returns the GB/T 2260 division code (positions 3–8). */
export function validateUscc(code: string): UsccResult {
  if (typeof code !== 'string') return { ok: false, reason: 'not a string' };
  if (code.length !== USCC_LENGTH) {
    return { ok: false, reason: `wrong length: expected ${USCC_LENGTH} characters, got ${code.length}` };
  }
  for (let i = 0; i < USCC_LENGTH; i += 1) {
    if (!VALUE.has(code.charAt(i))) return { ok: false, reason: `illegal character at position ${i + 1}` };
  }
  if (!REGISTRATION_AUTHORITIES.has(code.charAt(0))) {
    return { ok: false, reason: 'bad registration-authority code at position 1' };
  }
  const divisionCode = code.slice(2, 8);
  if (!/^\d{6}$/.test(divisionCode)) {
    return { ok: false, reason: 'division code (positions 3–8) is not 6 digits' };
  }
  if (usccCheckChar(code.slice(0, USCC_LENGTH - 1)) !== code.charAt(USCC_LENGTH - 1)) {
    return { ok: false, reason: 'bad check character' };
  }
  return { ok: true, divisionCode };
}

export function isValidUscc(code: string): boolean {
  return validateUscc(code).ok;
}
