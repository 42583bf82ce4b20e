import { strict as assert } from 'node:assert';
import {
  canonicalCertificateMetadata,
  holderIdHash,
  holderMatches,
  isValidHolderId,
  isValidResidentId,
  maskHolderId,
  normalizeHolderId,
  residentIdCheckChar,
  validateCertificateRecord,
  type CertificateRecord,
} from '../../domain/certificate.js';
import { formatCertificateId } from '../../domain/certificate-id.js';

const SALT = 'chuanyu-demo-salt-0001';

function sampleRecord(): CertificateRecord {
  const holderId = '91510100MA7D1JYB5D';
  return {
    id: formatCertificateId({ typeCode: '11100000000015106N002', issuerCode: '11510100651348836Y', serial: '2022000001', version: 1 }),
    typeCode: '11100000000015106N002',
    typeName: '食品经营许可证',
    number: 'JY25101000000169',
    name: '食品经营许可证',
    issuerName: '成都市市场监督管理局',
    issuerCode: '11510100651348836Y',
    issuerDivisionCode: '510100',
    definingAuthority: '国家市场监督管理总局',
    issueDate: '2022-06-23',
    validFrom: '2022-06-23',
    validTo: '2027-06-22',
    holder: {
      name: '四川祥信食品有限公司',
      idType: 'USCC',
      idHash: holderIdHash(SALT, 'USCC', holderId),
      idMasked: maskHolderId('USCC', holderId),
    },
    status: 'VALID',
    revokedAt: null,
    revocationReason: null,
    seal: '',
  };
}

describe('e-certificate records', () => {
  describe('resident IDs (GB 11643, ISO/IEC 7064 MOD 11-2)', () => {
    it('computes the check character of the standard example by hand', () => {
      // 11010519491231002X: digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2
      // weights 2^(18−i) mod 11: 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
      // Σ = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2;
      // check = (12 − 2) mod 11 = 10 → 'X'.
      assert.equal(residentIdCheckChar('11010519491231002'), 'X');
      assert.ok(isValidResidentId('11010519491231002X'));
      // Σ for 44052418800101001 = 7·4+9·4+0+5·5+8·2+4·4+2·1+1·8+6·8+0+7·0+9·1+10·0+5·1+0+0+2·1 = 195;
      // 195 mod 11 = 8; (12 − 8) mod 11 = 4.
      assert.equal(residentIdCheckChar('44052418800101001'), '4');
      assert.ok(isValidResidentId('440524188001010014'));
    });

    it('catches every single-digit substitution and refuses malformed numbers', () => {
      const id = '510104199003071237';
      assert.ok(isValidResidentId(id));
      for (let i = 0; i < 18; i += 1) {
        for (const c of '0123456789X') {
          if (c === id[i]) continue;
          const altered = id.slice(0, i) + c + id.slice(i + 1);
          assert.equal(isValidResidentId(altered), false, `${altered} accepted`);
        }
      }
      assert.equal(isValidResidentId('11010519491231002x'), false, 'canonical form is upper-case X');
      assert.equal(isValidResidentId('11010519490230002X'), false, 'no 30 February');
      assert.equal(isValidResidentId(`11010517991231002${residentIdCheckChar('11010517991231002')}`), false, 'before 1800');
      assert.equal(isValidResidentId('01010519491231002X'), false);
      assert.equal(isValidResidentId('1101051949123100'), false);
      assert.equal(isValidResidentId(1 as unknown as string), false);
      assert.throws(() => residentIdCheckChar('1101051949123100X'), RangeError);
    });
  });

  describe('holder ID hash and mask', () => {
    it('is HMAC-SHA256(salt, idType:normalised id) in hex', () => {
      // Reference values from Python: hmac.new(salt, b'RESIDENT_ID:11010519491231002X', sha256).hexdigest()
      assert.equal(holderIdHash(SALT, 'RESIDENT_ID', '11010519491231002X'), 'f52b8fcb1fd14a0af688823cc4012baafdf4416dc072f7f92e55eb0844d4bfca');
      assert.equal(holderIdHash(Buffer.from(SALT), 'USCC', '91510100MA7D1JYB5D'), '5221cbbf78e8ea46ab85001ad43c44fec41989eda3d34b306d6afc18c8deff35');
    });

    it('normalises case and whitespace, and separates ID types and salts', () => {
      const h = holderIdHash(SALT, 'RESIDENT_ID', '11010519491231002X');
      assert.equal(holderIdHash(SALT, 'RESIDENT_ID', ' 110105 19491231 002x '), h);
      assert.equal(normalizeHolderId('PASSPORT', ' e123 45678 '), 'E12345678');
      assert.notEqual(holderIdHash(SALT, 'PASSPORT', '11010519491231002X'), h);
      assert.notEqual(holderIdHash(`${SALT}x`, 'RESIDENT_ID', '11010519491231002X'), h);
      assert.throws(() => holderIdHash('short', 'RESIDENT_ID', '11010519491231002X'), /at least 16 bytes/);
      assert.throws(() => holderIdHash(SALT, 'DRIVING_LICENCE' as 'USCC', 'x'), RangeError);
    });

    it('matches a presented ID in constant time and only under the same ID type', () => {
      const holder = { idType: 'RESIDENT_ID' as const, idHash: holderIdHash(SALT, 'RESIDENT_ID', '11010519491231002X') };
      assert.equal(holderMatches(holder, SALT, 'RESIDENT_ID', '11010519491231002x'), true);
      assert.equal(holderMatches(holder, SALT, 'RESIDENT_ID', '440524188001010014'), false);
      assert.equal(holderMatches(holder, SALT, 'PASSPORT', '11010519491231002X'), false);
      assert.equal(holderMatches({ ...holder, idHash: 'not-hex' }, SALT, 'RESIDENT_ID', '11010519491231002X'), false);
    });

    it('masks IDs the way government services display them', () => {
      assert.equal(maskHolderId('RESIDENT_ID', '510104199003071237'), '510104********1237');
      assert.equal(maskHolderId('RESIDENT_ID', '11010519491231002x'), '110105********002X');
      assert.equal(maskHolderId('USCC', '91510100MA7D1JYB3X'), '9151************3X');
      assert.equal(maskHolderId('PASSPORT', 'E12345678'), 'E1*****78');
      assert.equal(maskHolderId('PASSPORT', 'AB12'), '****');
      assert.equal(maskHolderId('USCC', '915101'), '******');
    });

    it('validates holder IDs by type', () => {
      assert.ok(isValidHolderId('RESIDENT_ID', '11010519491231002x'));
      assert.ok(!isValidHolderId('RESIDENT_ID', '110105194912310021'));
      assert.ok(isValidHolderId('USCC', '91510100MA7D1JYB5D'));
      assert.ok(!isValidHolderId('USCC', '91510100MA7D1JYB5E'));
      assert.ok(isValidHolderId('PASSPORT', 'E12345678'));
      assert.ok(!isValidHolderId('PASSPORT', 'E12-45678'));
    });
  });

  describe('canonical metadata', () => {
    const EXPECTED =
      '{"definingAuthority":"国家市场监督管理总局","holder":{"idHash":"5221cbbf78e8ea46ab85001ad43c44fec41989eda3d34b306d6afc18c8deff35",' +
      '"idMasked":"9151************5D","idType":"USCC","name":"四川祥信食品有限公司"},' +
      '"id":"1.2.156.3005.2.11100000000015106N002.11510100651348836Y.2022000001.001.6",' +
      '"issueDate":"2022-06-23","issuerCode":"11510100651348836Y","issuerDivisionCode":"510100","issuerName":"成都市市场监督管理局",' +
      '"name":"食品经营许可证","number":"JY25101000000169","typeCode":"11100000000015106N002","typeName":"食品经营许可证",' +
      '"validFrom":"2022-06-23","validTo":"2027-06-22"}';

    it('is sorted-key JSON of the issued metadata, byte for byte', () => {
      assert.equal(canonicalCertificateMetadata(sampleRecord()), EXPECTED);
    });

    it('does not depend on key order, status, revocation, seal or extra fields', () => {
      const r = sampleRecord();
      const shuffled = Object.fromEntries(Object.entries(r).reverse()) as unknown as CertificateRecord;
      shuffled.holder = Object.fromEntries(Object.entries(r.holder).reverse()) as unknown as CertificateRecord['holder'];
      assert.equal(canonicalCertificateMetadata(shuffled), EXPECTED);
      const revoked = { ...r, status: 'REVOKED' as const, revokedAt: '2024-08-12T09:23:27.000Z', revocationReason: '被依法撤销食品经营许可', seal: 'x.y.z' };
      assert.equal(canonicalCertificateMetadata(revoked), EXPECTED);
      assert.equal(canonicalCertificateMetadata({ ...r, storedAt: '2025-01-01' } as CertificateRecord), EXPECTED);
    });

    it('changes with every certified field', () => {
      const r = sampleRecord();
      const variants: CertificateRecord[] = [
        { ...r, number: 'JY25101000000170' },
        { ...r, typeName: '食品经营许可证（副本）' },
        { ...r, name: '食品经营许可证（副本）' },
        { ...r, issuerName: '成都市市场监管局' },
        { ...r, definingAuthority: '国家市场监管总局' },
        { ...r, issueDate: '2022-06-24' },
        { ...r, validFrom: '2022-06-24' },
        { ...r, validTo: null },
        { ...r, validTo: '2027-06-23' },
        { ...r, holder: { ...r.holder, name: '四川祥信食品股份有限公司' } },
        { ...r, holder: { ...r.holder, idMasked: '9151************5E' } },
        { ...r, holder: { ...r.holder, idHash: '0'.repeat(64) } },
        { ...r, holder: { ...r.holder, idType: 'PASSPORT' } },
        { ...r, issuerDivisionCode: '510000' },
      ];
      const seen = new Set([canonicalCertificateMetadata(r)]);
      for (const v of variants) seen.add(canonicalCertificateMetadata(v));
      assert.equal(seen.size, variants.length + 1);
    });

    it('refuses non-string fields instead of serialising them loosely', () => {
      assert.throws(() => canonicalCertificateMetadata({ ...sampleRecord(), number: 42 as unknown as string }), TypeError);
      assert.throws(() => canonicalCertificateMetadata({ ...sampleRecord(), validTo: undefined as unknown as null }), TypeError);
      assert.throws(() => canonicalCertificateMetadata({ ...sampleRecord(), holder: null as unknown as CertificateRecord['holder'] }), TypeError);
    });
  });

  describe('record validation', () => {
    it('accepts a consistent record and names the field of an inconsistent one', () => {
      assert.deepEqual(validateCertificateRecord(sampleRecord()).ok, true);
      const r = sampleRecord();
      const bad = (patch: Partial<CertificateRecord>) => {
        const v = validateCertificateRecord({ ...r, ...patch });
        assert.equal(v.ok, false);
        return (v as { ok: false; reason: string }).reason;
      };
      assert.match(bad({ typeCode: '11100000000015106N001' }), /typeCode: differs from the identifier/);
      assert.match(bad({ issuerDivisionCode: '510000' }), /issuerDivisionCode/);
      assert.match(bad({ id: `${r.id.slice(0, -1)}7` }), /^record id: bad check character/);
      assert.match(bad({ validTo: '2020-01-01' }), /validTo: before validFrom/);
      assert.match(bad({ status: 'REVOKED' }), /revokedAt/);
      assert.match(bad({ status: 'REVOKED', revokedAt: '2024-01-01T00:00:00Z' }), /revocationReason/);
      assert.match(bad({ revokedAt: '2024-01-01T00:00:00Z' }), /revokedAt/);
      assert.match(bad({ issueDate: '2022-13-01' }), /issueDate/);
      assert.match(bad({ holder: { ...r.holder, idHash: 'ABC' } }), /holder\.idHash/);
      assert.ok(!bad({ holder: { ...r.holder, idHash: 'ABC' } }).includes('ABC'));
    });
  });
});
