// The root-field table: read from the local SDL's @scope directives, deny by default, the same
// walk (fragments included) for scopes, metrics labels and depth.
import { strict as assert } from 'node:assert';
import { parse, type OperationDefinitionNode } from 'graphql';
import { loadStackConfig } from '../../common/config.js';
import type { Caller } from '../../common/identity/caller.js';
import { localSdl } from '../../common/schema/local-sdl.js';
import { RootFieldTable } from '../../gateway/policy/root-fields.js';
import { fragmentsOf, selectionDepth } from '../../gateway/policy/selections.js';

const table = RootFieldTable.fromSdl(parse(localSdl(loadStackConfig().provinces)));

function rulesOf(query: string) {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return table.forOperation(op, doc);
}

describe('root-field table (gateway/policy/root-fields.ts)', () => {
  it('has a rule for every root field of the local SDL, with its scope and whether it writes', () => {
    const rules = Object.fromEntries(table.entries());
    assert.deepEqual(rules['Query.directory'], { scope: 'catalogue:read', write: false });
    assert.deepEqual(rules['Query.mirrors'], { scope: 'catalogue:admin', write: false });
    assert.deepEqual(rules['Mutation.verifyCertificate'], { scope: 'certificate:verify', write: false });
    assert.deepEqual(rules['Mutation.registerMirror'], { scope: 'catalogue:admin', write: true });
    assert.deepEqual(rules['Query.__typename'], { scope: null, write: false });
  });

  it('refuses an SDL root field without @scope, or with a scope that does not exist', () => {
    assert.throws(() => RootFieldTable.fromSdl(parse('type Query { a: Int @scope(requires: "catalogue:read") b: Int }')), /Query\.b has no @scope/);
    assert.throws(() => RootFieldTable.fromSdl(parse('type Query { a: Int @scope(requires: "catalogue:write") }')), /not one of/);
  });

  it('collects root fields through fragments and inline fragments', () => {
    const r = rulesOf('query { ...F ... on Query { mirrors { totalCount } } } fragment F on Query { entry(id: "x") { id } }');
    assert.deepEqual([...r.scopes].sort(), ['catalogue:admin', 'catalogue:read']);
    assert.equal(r.label, 'entry+mirrors');
    assert.equal(r.write, false);
  });

  it('marks unknown root fields, and labels writes', () => {
    assert.ok(rulesOf('{ nope }').scopes.has('UNKNOWN'));
    assert.ok(rulesOf('subscription { directory { totalCount } }').scopes.has('UNKNOWN'));
    const w = rulesOf('mutation { registerMirror(sourceId: "x") { created } __typename }');
    assert.equal(w.write, true);
    assert.equal(w.label, 'registerMirror');
    assert.equal(rulesOf('{ __typename }').label, 'other');
  });

  it('guards resolvers by their rule, and refuses a resolver without one', async () => {
    const caller = (scopes: Caller['scopes']) => ({ caller: { scopes } as Caller });
    const guarded = table.guard('Query', { mirrors: () => 'ok' }).mirrors as unknown as (parent: unknown, args: unknown, ctx: unknown) => unknown;
    assert.equal(await guarded(undefined, {}, caller(['catalogue:admin'])), 'ok');
    assert.throws(() => guarded(undefined, {}, caller(['catalogue:read'])), /requires the catalogue:admin scope/);
    assert.throws(() => table.guard('Query', { notInSdl: () => 1 }), /has a resolver but no @scope rule/);
  });

  it('measures depth through fragments, once per named fragment on a path', () => {
    const doc = parse('{ a { ...F } } fragment F on T { b { c } }');
    const op = doc.definitions[0] as OperationDefinitionNode;
    assert.equal(selectionDepth(op.selectionSet, fragmentsOf(doc)), 3);
    const cyclic = parse('{ a { ...F } } fragment F on T { b { ...F } }');
    assert.equal(selectionDepth((cyclic.definitions[0] as OperationDefinitionNode).selectionSet, fragmentsOf(cyclic)), 2);
  });
});
