// The design-time API client (designer/API.md). The studio signs in with the staff session
// cookie; every request that changes something carries the CSRF token the session route gives.

export interface Person {
  id: number;
  name: string;
}

export interface Session {
  user: Person;
  orgCode: string;
  roles: string[];
  canEdit: boolean;
  canPublish: boolean;
  csrfToken: string;
}

export type DraftStatus = 'editing' | 'requested' | 'returned';

export interface DraftInfo {
  version: number;
  base: number;
  revision: number;
  status: DraftStatus;
  comment?: string;
  openedBy?: Person;
  openedAt?: string;
  updatedBy?: Person;
  updatedAt?: string;
}

export interface MatterItem {
  slug: string;
  name: string;
  orgCode: string;
  orgName: string;
  published: number;
  draft: DraftInfo | null;
}

export interface DraftView extends DraftInfo {
  slug: string;
  files: Record<string, string>;
  /** images are the draft's print pictures (print/<name>.png, .jpg), not among files. */
  images?: string[];
}

export interface Problem {
  file: string;
  pointer: string;
  line?: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
  snippet?: string;
}

export interface CheckResult {
  revision: number;
  errors: number;
  warnings: number;
  problems: Problem[];
}

export interface ExprResult {
  ok: boolean;
  type?: string;
  message?: string;
  line?: number;
  column?: number;
}

export interface TryResult {
  valid: boolean;
  errors: { pointer: string; message: string }[];
  problems?: Problem[];
  materials: { id: string; name: string; applies: boolean; required: boolean; source: string }[];
  fees: { id: string; name: string; kind?: string; amount: number }[];
  feeTotal: number;
  rules: { node: string; id: string; name: string; outcome: string }[];
  steps: { node: string; name: string; type: string; orgCode?: string; role?: string }[];
}

export interface WalkEffect {
  kind: string;
  line: string;
  node?: string;
  from?: string;
  to?: string;
  outcome?: string;
  edge?: number;
}

export interface WalkStep {
  action: 'start' | 'complete' | 'return' | 'correction';
  node?: string;
  token?: number;
  outcome: string;
  to?: string;
  line: string;
  choices?: string[];
  returnTo?: string[];
  chosen: boolean;
  effects: WalkEffect[];
}

export interface WalkChoice {
  node: string;
  outcome: string;
  to?: string;
}

export interface WalkResult {
  problems: Problem[];
  errors: { pointer: string; message: string }[];
  steps: WalkStep[];
  result?: string;
  waiting: string[];
  stopped?: string;
  trace: string;
}

export interface WorkflowOptions {
  implementingOrg: string;
  orgs: { code: string; name: string; parent?: string; roles: string[] }[];
  connectors: { name: string; title: string }[];
}

export interface Change {
  kind: string;
  id: string;
  change: 'added' | 'removed' | 'changed';
  file: string;
  before?: unknown;
  after?: unknown;
}

export interface Version {
  version: number;
  status: string;
  publishedAt?: string;
  publishedBy?: Person;
}

export interface Vocabulary {
  helpers: { name: string; signature: string; description: string; example: string; result: string }[];
  builtins: { name: string; signature: string; description: string; example: string; result: string }[];
  variables: { name: string; type: string; description: string }[];
}

export interface CatalogImported {
  updated: string[];
  unchanged: number;
}

/** ApiError is an answer other than 2xx, with the API's one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { pointer: string; message: string }[] = [],
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

const base = '/api/v1/design';
let csrf = '';

export const loginURL = '/account/login?next=' + encodeURIComponent('/designer/');

/** call sends a request to the design API, or to another part of /api/v1 when path starts with /api/. */
export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') h['X-CSRF-Token'] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
  } else if (typeof body === 'string') {
    payload = body;
    h['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  Object.assign(h, headers);
  const res = await fetch(path.startsWith('/api/') ? path : base + path, { method, headers: h, body: payload, credentials: 'same-origin' });
  if (res.status === 401) {
    window.location.assign(loginURL);
    throw new ApiError(401, 'unauthorized', '请先登录');
  }
  if (!res.ok) {
    const e = await res.json().catch(() => null);
    const err = e?.error ?? {};
    throw new ApiError(res.status, err.code ?? 'internal', err.message ?? `请求失败（${res.status}）`, err.fields, err.problems);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? res.json() : res.text()) as Promise<T>;
}

const m = (slug: string) => `/matters/${encodeURIComponent(slug)}`;
const filePath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export interface PrintVariable {
  name: string;
  type: string;
  doc?: string;
}

export interface PrintPreviewRequest {
  form?: unknown;
  files?: Record<string, string>;
  mode?: 'electronic' | 'overprint';
  offsetXMm?: number;
  offsetYMm?: number;
  background?: boolean;
}

/** A print preview: the picture or PDF, and the elements the renderer left out, by pointer. */
export interface PrintPreview {
  blob: Blob;
  errors: { pointer: string; message: string }[];
}

/** printPreview asks the server's certificate renderer for a template of the draft. */
function printPreview(slug: string, template: string, format: 'png' | 'pdf', body: PrintPreviewRequest): Promise<PrintPreview> {
  return preview(`${base}${m(slug)}/draft/print/${encodeURIComponent(template)}?format=${format}`, body);
}

/** sharedPrintPreview renders a shared notice, with unsaved shared files, for a matter that uses it. */
function sharedPrintPreview(matter: string, template: string, format: 'png' | 'pdf', body: PrintPreviewRequest): Promise<PrintPreview> {
  return preview(`${base}/shared/print/${encodeURIComponent(template)}?matter=${encodeURIComponent(matter)}&format=${format}`, body);
}

async function preview(url: string, body: PrintPreviewRequest): Promise<PrintPreview> {
  const res = await fetch(url, {
    method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
  });
  if (!res.ok) {
    const e = await res.json().catch(() => null);
    const err = e?.error ?? {};
    throw new ApiError(res.status, err.code ?? 'internal', err.message ?? `请求失败（${res.status}）`, err.fields, err.problems);
  }
  const header = res.headers.get('X-Print-Errors');
  return { blob: await res.blob(), errors: header ? JSON.parse(decodeURIComponent(header)) : [] };
}

/** putImage saves a print picture into the draft. */
async function putImage(slug: string, name: string, data: Blob, revision: number): Promise<{ name: string; revision: number }> {
  const res = await fetch(`${base}${m(slug)}/draft/files/${filePath(name)}`, {
    method: 'PUT', credentials: 'same-origin', body: data,
    headers: { 'Content-Type': data.type || 'application/octet-stream', 'X-CSRF-Token': csrf, 'If-Match': String(revision), Accept: 'application/json' },
  });
  const out = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, out?.error?.code ?? 'internal', out?.error?.message ?? `请求失败（${res.status}）`, out?.error?.fields);
  return out;
}

export const api = {
  async session(): Promise<Session> {
    const s = await call<Session>('GET', '/session');
    csrf = s.csrfToken;
    return s;
  },
  matters: () => call<{ items: MatterItem[]; total: number }>('GET', '/matters'),
  create: (body: { slug: string; name?: string; orgCode?: string; from?: string }) => call<DraftView>('POST', '/matters', body),
  openDraft: (slug: string) => call<DraftView>('POST', m(slug) + '/draft'),
  draft: (slug: string) => call<DraftView>('GET', m(slug) + '/draft'),
  discard: (slug: string) => call<void>('DELETE', m(slug) + '/draft'),
  putFile: (slug: string, name: string, text: string, revision: number) =>
    call<{ name: string; revision: number }>('PUT', m(slug) + '/draft/files/' + filePath(name), text, {
      'If-Match': String(revision),
    }),
  check: (slug: string) => call<CheckResult>('POST', m(slug) + '/draft/check'),
  vocabulary: () => call<Vocabulary>('GET', '/expressions/vocabulary'),
  catalogURL: base + '/catalog',
  importCatalog: (workbook: Blob) => call<CatalogImported>('POST', '/catalog', workbook, { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
  checkExpression: (body: { slug: string; file: string; pointer: string; source: string; files?: Record<string, string> }) => call<ExprResult>('POST', '/expressions/check', body),
  preview: (slug: string, look: string, sample: boolean) => call<string>('POST', m(slug) + '/draft/preview', { look, sample }),
  try: (slug: string, form?: unknown) => call<TryResult>('POST', m(slug) + '/draft/try', form === undefined ? {} : { form }),
  walk: (slug: string, body: { files?: Record<string, string>; form?: unknown; choices?: WalkChoice[] }) => call<WalkResult>('POST', m(slug) + '/draft/walk', body),
  workflowOptions: (slug: string) => call<WorkflowOptions>('GET', m(slug) + '/draft/workflow-options'),
  request: (slug: string, comment: string) => call<DraftView>('POST', m(slug) + '/draft/request', { comment }),
  sendBack: (slug: string, comment: string) => call<DraftView>('POST', m(slug) + '/draft/send-back', { comment }),
  publish: (slug: string, acknowledge: boolean, comment: string) =>
    call<{ version: number }>('POST', m(slug) + '/draft/publish', { acknowledge, comment }),
  versions: (slug: string) => call<{ items: Version[] }>('GET', m(slug) + '/versions'),
  printPreview,
  sharedPrintPreview,
  putImage,
  fileURL: (slug: string, name: string) => `${base}${m(slug)}/draft/files/${filePath(name)}`,
  printVariables: (slug: string) => call<{ variables: PrintVariable[]; rows: Record<string, PrintVariable[]> }>('GET', m(slug) + '/print-variables'),
  shared: () => call<{ files: Record<string, string>; usedBy: Record<string, string[]> }>('GET', '/shared'),
  checkShared: (files: Record<string, string | null>) => call<CheckResult>('POST', '/shared/check', { files }),
  publishShared: (files: Record<string, string | null>, comment: string) => call<{ published: { slug: string; version: number }[] }>('POST', '/shared/publish', { files, comment }),
  tryConnector: (connector: string, key: string, text?: string) =>
    call<{ ok: boolean; result?: unknown; error?: string; millis: number }>('POST', '/shared/connectors/try', { connector, key, text }),
  diff: (slug: string) => call<{ changes: Change[] }>('GET', m(slug) + '/diff?to=draft'),
};
