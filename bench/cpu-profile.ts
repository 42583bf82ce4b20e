// Summarises a V8 CPU profile (.cpuprofile JSON, as written by `node --cpu-prof` or the
// inspector's Profiler.stop): self time per function and per package.
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTimeRow {
  name: string;
  where: string;
  ms: number;
  pct: number;
  /** The JS caller that accounts for most of this function's self time (useful for native frames). */
  caller?: string;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time not spent idle (total minus "(idle)"). */
  busyMs: number;
  functions: SelfTimeRow[];
  packages: SelfTimeRow[];
  /** Time including callees, for named functions of this repository and a few library entry points. */
  inclusive: SelfTimeRow[];
}

/** Library frames worth an inclusive figure (where a request's time goes). */
const INCLUSIVE_LIBRARY = [
  /^process @apollo\/gateway\/dist\/datasources\/(Local|Remote)GraphQLDataSource\.js/,
  /^executeQueryPlan @apollo\/gateway\//,
  /^processGraphQLRequest @apollo\/server\//,
  /^(validate|execute|parse) graphql\/(validation|execution|language)\/(validate|execute|parser)\.js/,
  /^fetch undici\/lib\/web\/fetch\/index\.js/,
  /^jsonParser body-parser\//,
  /^(jwtVerify|SignJWT) jose\//,
  /^sqliteTransaction better-sqlite3\//,
  /^computeResponse @apollo\/gateway\//,
];

/** "file:line"; no line for TypeScript run through tsx (positions are in the transpiled code). */
function lineOf(file: string, lineNumber: number): string {
  if (!file) return '';
  return file.endsWith('.ts') ? file : `${file}:${lineNumber + 1}`;
}

const SPECIAL = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/** Shortens a script URL to "pkg/path" for node_modules, "node:…" for core, or a repo path. */
export function whereOf(url: string, rootDir: string): { file: string; pkg: string } {
  if (!url) return { file: '', pkg: '(native/V8)' };
  if (url.startsWith('node:')) return { file: url, pkg: 'node: core' };
  let p = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + '/node_modules/'.length);
    const parts = rest.split('/');
    const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return { file: rest, pkg };
  }
  p = path.relative(rootDir, p);
  // The compiled build (dist/gateway/…js) is the repository's own code too: name it by its folder.
  if (p.startsWith(`dist${path.sep}`)) p = p.slice('dist'.length + 1);
  const top = p.split(path.sep)[0] ?? p;
  return { file: p, pkg: `repo: ${top}/` };
}

export function summariseProfile(profile: CpuProfile, rootDir: string, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const label = (n: ProfileNode) => {
    const cf = n.callFrame;
    const { file } = whereOf(cf.url, rootDir);
    return `${cf.functionName || '(anonymous)'}${file ? ` ${lineOf(file, cf.lineNumber)}` : ''}`;
  };
  /** Nearest ancestor with a script URL (skips native and anonymous-native frames). */
  const jsCaller = (id: number): string | null => {
    let p = parentOf.get(id);
    while (p !== undefined) {
      const n = byId.get(p)!;
      if (n.callFrame.url) return label(n);
      p = parentOf.get(p);
    }
    return null;
  };
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    // Each sample's time is the delta to the next sample.
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const dt = timeDeltas[i + 1] ?? 0;
      selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) * total) / hits);
  }
  const fn = new Map<string, { name: string; where: string; us: number; callers: Map<string, number> }>();
  const pkg = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const { file, pkg: p } = SPECIAL.has(cf.functionName) ? { file: '', pkg: cf.functionName } : whereOf(cf.url, rootDir);
    const name = cf.functionName || '(anonymous)';
    const where = lineOf(file, cf.lineNumber);
    // Native frames have no script: tell them apart by their JS caller (e.g. better-sqlite3's
    // Statement "run" and a crypto job's "run" are different costs).
    const key = where || SPECIAL.has(cf.functionName) ? `${name}@${where}` : `${name}@<-${jsCaller(id) ?? ''}`;
    const row = fn.get(key) ?? { name, where, us: 0, callers: new Map<string, number>() };
    row.us += us;
    const caller = jsCaller(id);
    if (caller) row.callers.set(caller, (row.callers.get(caller) ?? 0) + us);
    fn.set(key, row);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs || 1;

  // Inclusive time: each sample counts once for every distinct function on its stack.
  const labelOf = new Map<number, { name: string; where: string; key: string }>();
  for (const n of profile.nodes) {
    const { file } = whereOf(n.callFrame.url, rootDir);
    const name = n.callFrame.functionName || '(anonymous)';
    const where = lineOf(file, n.callFrame.lineNumber);
    labelOf.set(n.id, { name, where, key: `${name} ${where}` });
  }
  const wanted = (l: { name: string; where: string; key: string }) =>
    (l.name !== '(anonymous)' && /^(gateway|common|domain|subgraphs)\//.test(l.where)) || INCLUSIVE_LIBRARY.some((re) => re.test(l.key));
  const incl = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parentOf.get(p)) {
      const l = labelOf.get(p)!;
      if (seen.has(l.key) || !wanted(l)) continue;
      seen.add(l.key);
      const row = incl.get(l.key) ?? { name: l.name, where: l.where, us: 0 };
      row.us += us;
      incl.set(l.key, row);
    }
  }
  const toRow = (name: string, where: string, us: number, callers?: Map<string, number>): SelfTimeRow => {
    const top = callers && [...callers.entries()].sort((a, b) => b[1] - a[1])[0];
    return {
      name,
      where,
      ms: Math.round(us / 100) / 10,
      pct: Math.round((us / busyUs) * 1000) / 10,
      ...(top ? { caller: top[0] } : {}),
    };
  };
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((r) => toRow(r.name, r.where, r.us, r.callers)),
    packages: [...pkg.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([p, us]) => toRow(p, '', us)),
    inclusive: [...incl.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((r) => toRow(r.name, r.where, r.us)),
  };
}
