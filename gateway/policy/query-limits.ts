// Query shape limits: depth and alias count (token count is enforced by the parser via
// Apollo's parseOptions.maxTokens). An alias bomb or a deeply nested query is refused at
// validation, before any plan or fetch.
import type { ASTVisitor, ValidationContext } from 'graphql';
import { queryTooComplex } from '../../common/errors.js';
import { fragmentsOf, selectionDepth } from './selections.js';

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node) {
        const depth = selectionDepth(node.selectionSet, fragments);
        if (depth > maxDepth) {
          context.reportError(queryTooComplex(`query is ${depth} levels deep; the limit is ${maxDepth}`, [node]));
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
          context.reportError(queryTooComplex(`query uses more than ${maxAliases} aliases`, [node]));
        }
      },
    };
  };
}
