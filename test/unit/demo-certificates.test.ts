import { strict as assert } from 'node:assert';
import type { JSONWebKeySet } from 'jose';
import { createSigningKey } from '../../common/pki/dev-pki.js';
import { holderIdHash, isValidResidentId, maskHolderId, validateCertificateRecord } from '../../domain/certificate.js';
import { CERTIFICATE_TYPES, certificateTypeByCode, parseCertificateId } from '../../domain/certificate-id.js';
import { sealCertificate, verifySeal } from '../../domain/certificate-seal.js';
import { demoDepartments } from '../../domain/demo/catalogue.js';
import { generateDemoCertificates, type DemoCertificateOptions } from '../../domain/demo/certificates.js';
import { isValidUscc } from '../../domain/uscc.js';

const SALT = 'chuanyu-demo-salt-0001';
const PROVINCES: DemoCertificateOptions[] = [
  { divisionCode: '500000', provinceName: '重庆市', count: 400, seed: 500000, salt: SALT },
  { divisionCode: '510000', provinceName: '四川省', count: 300, seed: 510000, salt: SALT },
];
const REFERENCE = '2026-01-01';

describe('demo e-certificates', () => {
  it('is deterministic, and the seed matters', () => {
    const opts = PROVINCES[0]!;
    assert.deepEqual(generateDemoCertificates(opts), generateDemoCertificates({ ...opts }));
    assert.deepEqual(generateDemoCertificates(opts), generateDemoCertificates({ ...opts, now: new Date(`${REFERENCE}T00:00:00Z`) }));
    assert.notDeepEqual(generateDemoCertificates(opts), generateDemoCertificates({ ...opts, seed: 1 }));
    assert.equal(generateDemoCertificates({ ...opts, count: 0 }).length, 0);
  });

  for (const opts of PROVINCES) {
    describe(opts.provinceName, () => {
      const certs = generateDemoCertificates(opts);
      const records = certs.map((c) => c.record);

      it('issues several types with valid identifiers from the province’s own departments', () => {
        assert.equal(certs.length, opts.count);
        const uscc = new Set(demoDepartments(opts).map((d) => d.uscc));
        assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'identifiers unique');
        assert.equal(new Set(records.map((r) => `${r.typeCode}|${r.number}`)).size, records.length, 'numbers unique per type');
        for (const r of records) {
          const id = parseCertificateId(r.id);
          assert.ok(id.ok, r.id);
          assert.equal(id.value.typeCode, r.typeCode);
          assert.equal(id.value.issuerCode, r.issuerCode);
          assert.equal(id.value.divisionCode, r.issuerDivisionCode);
          assert.equal(r.issuerDivisionCode.slice(0, 2), opts.divisionCode.slice(0, 2), 'issuer inside the province');
          assert.ok(uscc.has(r.issuerCode), 'issuer is a demo department');
          const type = certificateTypeByCode(r.typeCode);
          assert.ok(type);
          assert.equal(r.typeName, type.name);
          assert.equal(r.definingAuthority, type.definingAuthority);
          assert.ok(validateCertificateRecord({ ...r, seal: '' }).ok, r.id);
        }
        const types = new Set(records.map((r) => r.typeName));
        assert.ok(types.size >= 5, `only ${types.size} types`);
        assert.ok(types.size <= CERTIFICATE_TYPES.length);
      });

      it('has valid holders stored as hash and mask only', () => {
        for (const { record: r, holderId } of certs) {
          const kind = certificateTypeByCode(r.typeCode)!.holderKind;
          if (kind === 'ORGANIZATION') {
            assert.equal(r.holder.idType, 'USCC');
            assert.ok(isValidUscc(holderId), holderId);
            assert.equal(holderId.slice(2, 4), opts.divisionCode.slice(0, 2));
          } else {
            assert.equal(r.holder.idType, 'RESIDENT_ID');
            assert.ok(isValidResidentId(holderId), holderId);
            // Born before the certificate was issued.
            assert.ok(`${holderId.slice(6, 10)}-${holderId.slice(10, 12)}-${holderId.slice(12, 14)}` <= r.issueDate);
          }
          assert.match(r.holder.name, /^[\u4e00-\u9fff]{2,40}$/);
          assert.equal(r.holder.idHash, holderIdHash(SALT, r.holder.idType, holderId));
          assert.equal(r.holder.idMasked, maskHolderId(r.holder.idType, holderId));
          assert.ok(!JSON.stringify(r).includes(holderId), 'holder ID in clear in the record');
        }
      });

      it('has about 10 % expired (at 2026-01-01) and 5 % revoked, the rest valid', () => {
        const revoked = records.filter((r) => r.status === 'REVOKED');
        const expired = records.filter((r) => r.status === 'VALID' && r.validTo !== null && r.validTo < REFERENCE);
        const live = records.filter((r) => r.status === 'VALID' && (r.validTo === null || r.validTo >= REFERENCE));
        assert.equal(revoked.length, Math.round(opts.count * 0.05));
        assert.equal(expired.length, Math.round(opts.count * 0.1));
        assert.equal(revoked.length + expired.length + live.length, records.length, 'only VALID and REVOKED statuses');
        for (const r of revoked) {
          assert.ok(r.revokedAt !== null && r.revocationReason !== null);
          assert.ok(r.revokedAt.slice(0, 10) >= r.issueDate && r.revokedAt.slice(0, 10) <= REFERENCE);
        }
        for (const r of [...expired, ...live]) assert.ok(r.revokedAt === null && r.revocationReason === null);
        for (const r of records) {
          assert.ok(r.issueDate < REFERENCE);
          assert.equal(r.validFrom, r.issueDate);
          if (r.validTo !== null) assert.ok(r.validTo > r.validFrom);
        }
      });
    });
  }

  it('moves "expired" with the reference date, never with the clock', () => {
    const opts = { ...PROVINCES[1]!, now: new Date('2024-01-01T00:00:00Z') };
    const records = generateDemoCertificates(opts).map((c) => c.record);
    assert.ok(records.every((r) => r.issueDate < '2024-01-01'));
    assert.equal(records.filter((r) => r.validTo !== null && r.validTo < '2024-01-01').length, Math.round(opts.count * 0.1));
  });

  it('refuses bad options', () => {
    const opts = PROVINCES[0]!;
    assert.throws(() => generateDemoCertificates({ ...opts, divisionCode: '500100' }), RangeError);
    assert.throws(() => generateDemoCertificates({ ...opts, count: -1 }), RangeError);
    assert.throws(() => generateDemoCertificates({ ...opts, count: 1.5 }), RangeError);
    assert.throws(() => generateDemoCertificates({ ...opts, salt: 'short' }), /at least 16 bytes/);
  });

  it('produces records that seal and verify', async () => {
    const key = await createSigningKey();
    for (const { record } of generateDemoCertificates({ ...PROVINCES[0]!, count: 40 })) {
      const sealed = { ...record, seal: await sealCertificate(record, key.privatePem, key.kid) };
      assert.deepEqual(await verifySeal(sealed, key.jwks as JSONWebKeySet), { ok: true });
    }
  });
});
