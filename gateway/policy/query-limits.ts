// Query shape limits: depth and alias count (token count is enforced by the parser via
// Apollo's parseOptions.maxTokens). An alias bomb or a deeply nested query is refused at
// validation, before any plan or fetch.
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import { fragmentsOf, selectionDepth } from './selections.js';

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node) {
        const depth = selectionDepth(node.selectionSet, fragments);
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`query is ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        }
      },
    };
  };
}

export function aliasLimitRule(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias) return;
        aliases += 1;
        if (aliases > maxAliases && !reported) {
          reported = true;
          context.reportError(new GraphQLError(`query uses more than ${maxAliases} aliases`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        }
      },
    };
  };
}
