import { strict as assert } from 'node:assert';
import {
  CERTIFICATE_TYPES,
  certificateCheckChar,
  certificateTypeByCode,
  formatCertificateId,
  isValidCertificateId,
  parseCertificateId,
} from '../../domain/certificate-id.js';
import { isValidUscc, makeUscc } from '../../domain/uscc.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// A national-format identifier as quoted in public integration code for the 住房和城乡建设部
// certificate interface: type 11100000000013338W011, issuer 11430000006122244L (Hunan),
// serial 20230000403, version 001, check U. Its check character was computed by its publisher,
// not by us, so it is an independent vector for the MOD 37,36 rule.
const PUBLISHED = '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U';

function reason(id: string): string {
  const r = parseCertificateId(id);
  assert.equal(r.ok, false, `expected ${JSON.stringify(id)} to be rejected`);
  return (r as { ok: false; reason: string }).reason;
}

function withCheck(body: string): string {
  // body = everything up to and including the version segment's trailing dot
  const payload = body.slice('1.2.156.3005.2.'.length).replaceAll('.', '');
  return body + certificateCheckChar(payload);
}

describe('GB/T 36904 e-certificate identifiers', () => {
  describe('ISO/IEC 7064 MOD 37,36 check character', () => {
    it('matches a hand-computed example', () => {
      // M = 36, alphabet 0–9 A–Z → 0–35. P₀ = 36; S = (P + a) mod 36 (0 → 36); P = 2S mod 37.
      //   'A' a=10: S = (36+10) mod 36 = 10;  P = 20 mod 37 = 20
      //   '1' a=1:  S = (20+1)  mod 36 = 21;  P = 42 mod 37 = 5
      //   'Z' a=35: S = (5+35)  mod 36 = 4;   P = 8  mod 37 = 8
      // c = (37 − 8) mod 36 = 29 → 'T'.  Check: (8 + 29) mod 36 = 1.
      assert.equal(certificateCheckChar('A1Z'), 'T');
      // One character: P = 2·((36+a) mod 36 or 36) mod 37. For '0': S = 36, P = 72 mod 37 = 35,
      // c = (37 − 35) mod 36 = 2 → '2'.
      assert.equal(certificateCheckChar('0'), '2');
    });

    it('matches the published GRid example A1-2425G-ABC1234002-M (ISO 7064 MOD 37,36)', () => {
      // Trace (char a → S → P): A 10→10→20; 1 1→21→5; 2 2→7→14; 4 4→18→36; 2 2→2→4; 5 5→9→18;
      // G 16→34→31; A 10→5→10; B 11→21→5; C 12→17→34; 1 1→35→33; 2 2→35→33; 3 3→36→35;
      // 4 4→3→6; 0 0→6→12; 0 0→12→24; 2 2→26→15.  c = (37 − 15) mod 36 = 22 → 'M'.
      assert.equal(certificateCheckChar('A12425GABC1234002'), 'M');
    });

    it('matches a published national identifier', () => {
      assert.equal(certificateCheckChar('11100000000013338W011' + '11430000006122244L' + '20230000403' + '001'), 'U');
      const r = parseCertificateId(PUBLISHED);
      assert.ok(r.ok);
      assert.deepEqual(r.value, {
        id: PUBLISHED,
        typeCode: '11100000000013338W011',
        issuerCode: '11430000006122244L',
        divisionCode: '430000',
        serial: '20230000403',
        version: '001',
        check: 'U',
      });
    });

    it('refuses characters outside 0–9 A–Z and an empty payload', () => {
      assert.throws(() => certificateCheckChar(''), RangeError);
      assert.throws(() => certificateCheckChar('ab'), RangeError);
      assert.throws(() => certificateCheckChar('A.B'), RangeError);
    });

    it('catches every single-character substitution', () => {
      const payload = '11100000000015106N001' + '11500112088982714R' + '2024000123' + '001';
      const check = certificateCheckChar(payload);
      let tried = 0;
      for (let i = 0; i < payload.length; i += 1) {
        for (const c of ALPHABET) {
          if (c === payload[i]) continue;
          const altered = payload.slice(0, i) + c + payload.slice(i + 1);
          assert.notEqual(certificateCheckChar(altered), check, `substitution at ${i} by ${c} not caught`);
          tried += 1;
        }
      }
      assert.equal(tried, payload.length * 35);
    });

    it('catches at least 99 % of adjacent transpositions', () => {
      let seed = 7;
      const rnd = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      let total = 0;
      let caught = 0;
      for (let t = 0; t < 200; t += 1) {
        let p = '';
        for (let i = 0; i < 45; i += 1) p += ALPHABET[Math.floor(rnd() * 36)];
        const c = certificateCheckChar(p);
        for (let i = 0; i + 1 < p.length; i += 1) {
          if (p[i] === p[i + 1]) continue;
          total += 1;
          if (certificateCheckChar(p.slice(0, i) + p[i + 1] + p[i] + p.slice(i + 2)) !== c) caught += 1;
        }
      }
      assert.ok(total > 8000);
      assert.ok(caught / total >= 0.99, `only ${caught}/${total} transpositions caught`);
    });
  });

  describe('parseCertificateId', () => {
    it('rejects every single-character change of a valid identifier', () => {
      const chars = `${ALPHABET}.`;
      for (let i = 0; i < PUBLISHED.length; i += 1) {
        for (const c of chars) {
          if (c === PUBLISHED[i]) continue;
          const altered = PUBLISHED.slice(0, i) + c + PUBLISHED.slice(i + 1);
          assert.equal(parseCertificateId(altered).ok, false, `change at ${i} to ${c} accepted`);
        }
      }
    });

    it('gives distinct reasons for each kind of fault, never quoting the input', () => {
      const cases: [string, RegExp][] = [
        ['1.2.156.3005.3.11100000000013338W011.11430000006122244L.20230000403.001.U', /OID root/],
        ['urn:1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U', /OID root/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001', /segments .* got 4/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.0000403.001.U', /segments .* got 6/],
        ['1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.001.U', /type code must be 21 characters, got 20/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244.20230000403.001.U', /issuer code must be 18 characters, got 17/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L..001.U', /serial must be 1–32 characters, got 0/],
        [`1.2.156.3005.2.11100000000013338W011.11430000006122244L.${'1'.repeat(33)}.001.U`, /serial must be 1–32 characters, got 33/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.01.U', /version must be 3 characters, got 2/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.UU', /check character must be 1 character, got 2/],
        ['1.2.156.3005.2.11100000000013338w011.11430000006122244L.20230000403.001.U', /illegal character in type code at position 18/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-000403.001.U', /illegal character in serial at position 5/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.00A.U', /illegal character in version at position 3/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.u', /illegal character in check character/],
        // 'I' is outside the GB 32100 alphabet; the last one has a wrong USCC check character.
        [
          '1.2.156.3005.2.11100000000013338W011.1143000000612224IL.20230000403.001.U',
          /issuer code is not a valid unified social credit code: illegal character at position 17/,
        ],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244M.20230000403.001.U', /issuer code .* bad check character/],
        ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V', /bad check character \(ISO\/IEC 7064 MOD 37,36\)/],
        ['', /empty/],
        [`${PUBLISHED}${'0'.repeat(60)}`, /longer than 128/],
      ];
      const seen = new Set<string>();
      for (const [id, re] of cases) {
        const r = reason(id);
        assert.match(r, re, `for ${id}`);
        assert.ok(!r.includes('11430000006122244') && !r.includes('20230000403') && !r.includes('13338W'), `reason echoes input: ${r}`);
        seen.add(r.replace(/\d+/g, 'N'));
      }
      assert.ok(seen.size >= 12);
      assert.match(reason(42 as unknown as string), /must be a string/);
    });
  });

  describe('issuer division (GB/T 2260)', () => {
    const issuedIn = (division: string) =>
      formatCertificateId({ typeCode: CERTIFICATE_TYPES[0]!.code, issuerCode: makeUscc(`11${division}MB0000001`), serial: 'A1', version: 1 });
    it('accepts any province-level region and central-level issuers, federated or not', () => {
      for (const d of ['110000', '440300', '500112', '510104', '650000', '820000', '100000']) assert.ok(parseCertificateId(issuedIn(d)).ok, d);
    });
    it('refuses a division code outside GB/T 2260 even with a right check character', () => {
      for (const d of ['990000', '000000', '190000', '720000']) {
        // By hand: formatCertificateId refuses to build such an identifier.
        const typeCode = CERTIFICATE_TYPES[0]!.code;
        const issuer = makeUscc(`11${d}MB0000001`);
        const r = parseCertificateId(`1.2.156.3005.2.${typeCode}.${issuer}.A1.001.${certificateCheckChar(`${typeCode}${issuer}A1001`)}`);
        assert.ok(!r.ok, d);
        assert.match(r.reason, /is not a GB\/T 2260 division code/);
      }
    });
  });

  describe('formatCertificateId', () => {
    it('builds identifiers that parse back to their parts', () => {
      const type = CERTIFICATE_TYPES[0]!;
      const id = formatCertificateId({ typeCode: type.code, issuerCode: '11500112088982714R', serial: '2024000123', version: 1 });
      assert.equal(id, withCheck(`1.2.156.3005.2.${type.code}.11500112088982714R.2024000123.001.`));
      const r = parseCertificateId(id);
      assert.ok(r.ok);
      assert.equal(r.value.divisionCode, '500112');
      assert.equal(r.value.version, '001');
      assert.equal(formatCertificateId({ typeCode: type.code, issuerCode: '11500112088982714R', serial: 'Z', version: '012' }).split('.')[8], '012');
      assert.ok(isValidCertificateId(id));
      assert.equal(formatCertificateId({ typeCode: '11100000000013338W011', issuerCode: '11430000006122244L', serial: '20230000403', version: 1 }), PUBLISHED);
    });

    it('refuses parts that would not parse', () => {
      const ok = { typeCode: CERTIFICATE_TYPES[0]!.code, issuerCode: '11500112088982714R', serial: '1', version: 1 };
      assert.throws(() => formatCertificateId({ ...ok, version: 1000 }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, version: 1.5 }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, version: '1' }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, serial: '' }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, serial: 'ab' }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, serial: 'A.B' }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, typeCode: 'X' }), RangeError);
      assert.throws(() => formatCertificateId({ ...ok, issuerCode: '11500112088982714S' }), /issuer code/);
    });
  });

  describe('CERTIFICATE_TYPES', () => {
    it('lists realistic types with 21-character codes of the national form', () => {
      assert.ok(CERTIFICATE_TYPES.length >= 5);
      const names = CERTIFICATE_TYPES.map((t) => t.name);
      for (const n of ['营业执照', '食品经营许可证', '不动产权证书', '道路运输经营许可证', '药品经营许可证', '出生医学证明']) {
        assert.ok(names.includes(n), n);
      }
      assert.equal(new Set(CERTIFICATE_TYPES.map((t) => t.code)).size, CERTIFICATE_TYPES.length);
      for (const t of CERTIFICATE_TYPES) {
        assert.match(t.code, /^[0-9A-Z]{21}$/);
        // Defining authority's USCC (national division 100000) + 3-digit sequence.
        assert.ok(isValidUscc(t.code.slice(0, 18)), t.code);
        assert.equal(t.code.slice(2, 8), '100000');
        assert.match(t.code.slice(18), /^\d{3}$/);
        assert.ok(t.holderKind === 'ORGANIZATION' || t.holderKind === 'PERSON');
        assert.ok(t.definingAuthority.length > 0);
        assert.equal(certificateTypeByCode(t.code), t);
      }
      assert.equal(CERTIFICATE_TYPES.find((t) => t.name === '出生医学证明')!.holderKind, 'PERSON');
      assert.equal(CERTIFICATE_TYPES.find((t) => t.name === '营业执照')!.holderKind, 'ORGANIZATION');
      assert.equal(certificateTypeByCode('X'.repeat(21)), undefined);
    });
  });
});
