import type { ActiveCalibration, Caltable, FieldSources, GroupDetail, GroupPage, GroupState, ImageEntry, ImagePage, ImageSources, LightCurve, SkyImageView, SkyPosition, SourceEntry, SourcePage, StatusSnapshot, StoredEvent } from './types.js';

export const API = '/api/v1';

/** A non-2xx answer, with the API's `{ error, message }` when it sent one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${API}${path}`, init);
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
    throw new HttpError(res.status, body?.error ?? 'HTTP', body?.message ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

const query = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();

const sky = (id: string, product: string) => `/images/${encodeURIComponent(id)}/sky/${encodeURIComponent(product)}`;

export const api = {
  status: () => request<StatusSnapshot>('/status'),
  groups: (params: { state?: GroupState; limit?: number; before?: string }) => request<GroupPage>(`/groups?${query(params)}`),
  group: (id: string) => request<GroupDetail>(`/groups/${encodeURIComponent(id)}`),
  images: (params: { grade?: string; sort?: string; limit?: number; offset?: number }) => request<ImagePage>(`/images?${query(params)}`),
  image: (id: string) => request<ImageEntry>(`/images/${encodeURIComponent(id)}`),
  skyImage: (id: string, product: string) => request<SkyImageView>(sky(id, product)),
  skyPixels: async (id: string, product: string) => {
    const res = await fetch(`${API}${sky(id, product)}/pixels`);
    if (!res.ok) throw new HttpError(res.status, 'HTTP', `${res.status} ${res.statusText}`);
    return new Float32Array(await res.arrayBuffer());
  },
  skyPosition: (id: string, product: string, x: number, y: number) => request<SkyPosition>(`${sky(id, product)}/position?${query({ x, y })}`),
  skySources: (id: string, product: string) => request<FieldSources>(`${sky(id, product)}/sources`),
  imageFile: (id: string, product: string) => `${API}/images/${encodeURIComponent(id)}/files/${encodeURIComponent(product)}`,
  caltableArtifact: (id: string, key: string) => `${API}/caltables/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(key)}`,
  caltables: () => request<{ caltables: Caltable[] }>('/caltables'),
  activeCalibration: (mjd: number) => request<ActiveCalibration>(`/caltables/active?${query({ mjd })}`),
  sources: (params: { ra?: number; dec?: number; radius?: number; minEpochs?: number; variable?: boolean; ese?: boolean; sort?: string; order?: string; limit?: number; offset?: number }) =>
    request<SourcePage>(`/sources?${query({ ...params, variable: params.variable ? 'true' : undefined, ese: params.ese ? 'true' : undefined })}`),
  source: (id: string) => request<SourceEntry>(`/sources/${encodeURIComponent(id)}`),
  lightCurve: (id: string) => request<LightCurve>(`/sources/${encodeURIComponent(id)}/lightcurve`),
  imageSources: (id: string) => request<ImageSources>(`/images/${encodeURIComponent(id)}/sources`),
  events: (params: { after: number; limit: number }) => request<{ events: StoredEvent[]; next: number; head: number }>(`/events?${query(params)}`),
  reprocess: (id: string, body: { fromStage: string; reason: string }, auth: { token: string; operator: string }) =>
    request<{ groupId: string; seq: number; operator: string }>(`/groups/${encodeURIComponent(id)}/reprocess`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}`, ...(auth.operator && { 'x-operator': auth.operator }) },
      body: JSON.stringify(body),
    }),
};
