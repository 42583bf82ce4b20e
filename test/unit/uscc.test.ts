import { strict as assert } from 'node:assert';
import { USCC_ALPHABET, usccCheckChar, validateUscc, isValidUscc, makeUscc } from '../../domain/uscc.js';

// Real published codes (GB 32100-2015).
const PUBLISHED = ['91350100M000100Y43', '91110000802100433B'];

function reason(code: string): string {
  const r = validateUscc(code);
  assert.equal(r.ok, false, `expected ${code} to be rejected`);
  return (r as { ok: false; reason: string }).reason;
}

describe('USCC (GB 32100-2015)', () => {
  it('has the 31-symbol alphabet without I, O, Z, S, V', () => {
    assert.equal(USCC_ALPHABET.length, 31);
    for (const c of 'IOZSV') assert.ok(!USCC_ALPHABET.includes(c));
  });

  it('accepts the published examples and returns the division code', () => {
    assert.deepEqual(validateUscc('91350100M000100Y43'), { ok: true, divisionCode: '350100' });
    assert.deepEqual(validateUscc('91110000802100433B'), { ok: true, divisionCode: '110000' });
    for (const c of PUBLISHED) assert.equal(isValidUscc(c), true);
  });

  it('computes the check character by the standard arithmetic', () => {
    // Independent restatement: weights 3^(i-1) mod 31, check = (31 − Σ mod 31) mod 31.
    const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    for (const code of PUBLISHED) {
      let sum = 0;
      for (let i = 0; i < 17; i += 1) sum += USCC_ALPHABET.indexOf(code.charAt(i)) * (weights[i] as number);
      const expected = USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
      assert.equal(expected, code.charAt(17));
      assert.equal(usccCheckChar(code.slice(0, 17)), expected);
    }
    // Worked values: Σ = 1640 ≡ 28 (mod 31) → 3; Σ = 485 ≡ 20 (mod 31) → 11 = 'B'.
    const sum = (c: string) => [...c].reduce((s, ch, i) => s + USCC_ALPHABET.indexOf(ch) * (weights[i] as number), 0);
    assert.equal(sum('91350100M000100Y4'), 1640);
    assert.equal(USCC_ALPHABET.charAt(31 - 28), '3');
    assert.equal(sum('91110000802100433'), 485);
    assert.equal(USCC_ALPHABET.charAt(31 - 20), 'B');
  });

  it('maps a remainder of 0 to check character 0', () => {
    // Find a body whose weighted sum is ≡ 0 (mod 31): check must be '0', not the 31st symbol.
    let found = false;
    for (let n = 0; n < 1000 && !found; n += 1) {
      const body = `11500000${String(n).padStart(9, '0')}`;
      if (usccCheckChar(body) === '0') {
        found = true;
        assert.equal(isValidUscc(`${body}0`), true);
      }
    }
    assert.ok(found);
  });

  it('makeUscc appends the check character', () => {
    const code = makeUscc('11500000MB1F28580');
    assert.equal(code.length, 18);
    assert.equal(isValidUscc(code), true);
  });

  it('usccCheckChar throws on bad input', () => {
    assert.throws(() => usccCheckChar('1150000000000000'), RangeError);
    assert.throws(() => usccCheckChar('115000000000000I0'), /position 16/);
    assert.throws(() => usccCheckChar('115000000000000o0'), RangeError);
  });

  it('rejects a wrong length', () => {
    assert.match(reason(''), /wrong length/);
    assert.match(reason('91350100M000100Y4'), /wrong length/);
    assert.match(reason('91350100M000100Y433'), /wrong length/);
  });

  it('rejects an illegal character and names its position', () => {
    assert.match(reason('91350100m000100Y43'), /illegal character at position 9/);
    for (const bad of ['I', 'O', 'Z', 'S', 'V', '营', '\u0000', ' ', '-']) {
      assert.match(reason(`9135010${bad}M000100Y43`), /illegal character at position 8/);
    }
    assert.match(reason('91350100M000100Y4\u0000'), /illegal character at position 18/);
  });

  it('rejects an unknown registration-authority code', () => {
    for (const c of ['B', 'C', 'K', '0']) {
      assert.match(reason(makeUscc(`${c}1350100M000100Y4`)), /registration-authority/);
    }
    for (const c of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'N', 'Y']) {
      assert.equal(isValidUscc(makeUscc(`${c}1350100M000100Y4`)), true, c);
    }
  });

  it('rejects a division code that is not 6 digits', () => {
    assert.match(reason(makeUscc('9135A100M000100Y4')), /division code/);
    assert.match(reason(makeUscc('91350Y00M000100Y4')), /division code/);
  });

  it('rejects a bad check character', () => {
    assert.match(reason('91350100M000100Y44'), /bad check character/);
    assert.match(reason('91110000802100433A'), /bad check character/);
  });

  it('catches every one-character substitution', () => {
    for (const code of PUBLISHED) {
      for (let i = 0; i < 18; i += 1) {
        for (const c of USCC_ALPHABET) {
          if (c === code.charAt(i)) continue;
          const changed = code.slice(0, i) + c + code.slice(i + 1);
          assert.equal(isValidUscc(changed), false, `${changed} (position ${i + 1})`);
        }
      }
    }
  });

  it('does not normalise case or whitespace', () => {
    assert.equal(isValidUscc('91110000802100433b'), false);
    assert.equal(isValidUscc(' 91110000802100433B'), false);
  });
});
