// Catalogue classification (资源分类), 政务信息资源目录编制指南(试行) 2017 (国家发展改革委、
// 中央网信办, 发改高技〔2017〕1272号): 类 / 项 / 目 / 细目.
//
//   类   1 digit   1 基础信息资源, 2 主题信息资源, 3 部门信息资源
//   项   2 digits  01–99
//   目   3 digits  001–999
//   细目 3 digits  001–999, optional
//
// The classification code is the digits concatenated: 6 digits (类项目) or 9 (with 细目).

export const CATEGORY_NAMES = {
  '1': '基础信息资源',
  '2': '主题信息资源',
  '3': '部门信息资源',
} as const;

export type CategoryCode = keyof typeof CATEGORY_NAMES;

export interface Classification {
  code: string;
  category: CategoryCode;
  item: string;
  catalog: string;
  detail: string | null;
  categoryName: string;
}

export type ClassificationResult = { ok: true; value: Classification } | { ok: false; reason: string };

function isCategory(c: string): c is CategoryCode {
  return Object.hasOwn(CATEGORY_NAMES, c);
}

// Shared by the full parse and the prefix check: reason for the first bad segment, or null.
function segmentError(code: string): string | null {
  if (!isCategory(code.charAt(0))) return '类 (digit 1) must be 1, 2 or 3';
  if (code.length >= 3 && code.slice(1, 3) === '00') return '项 (digits 2–3) must be 01–99';
  if (code.length >= 6 && code.slice(3, 6) === '000') return '目 (digits 4–6) must be 001–999';
  if (code.length >= 9 && code.slice(6, 9) === '000') return '细目 (digits 7–9) must be 001–999';
  return null;
}

export function parseClassification(code: string): ClassificationResult {
  if (typeof code !== 'string') return { ok: false, reason: 'not a string' };
  if (!/^\d+$/.test(code) || (code.length !== 6 && code.length !== 9)) {
    return { ok: false, reason: 'classification must be 6 or 9 digits' };
  }
  const err = segmentError(code);
  if (err !== null) return { ok: false, reason: err };
  const category = code.charAt(0) as CategoryCode;
  return {
    ok: true,
    value: {
      code,
      category,
      item: code.slice(1, 3),
      catalog: code.slice(3, 6),
      detail: code.length === 9 ? code.slice(6, 9) : null,
      categoryName: CATEGORY_NAMES[category],
    },
  };
}

export function isValidClassification(code: string): boolean {
  return parseClassification(code).ok;
}

/**
 * True for a prefix that ends on a segment boundary (类, 类项, 类项目 or 类项目细目: 1, 3, 6
 * or 9 digits) and whose segments are valid, so filtering by it can match something.
 */
export function isClassificationPrefix(prefix: string): boolean {
  if (typeof prefix !== 'string' || !/^\d+$/.test(prefix)) return false;
  if (![1, 3, 6, 9].includes(prefix.length)) return false;
  return segmentError(prefix) === null;
}
