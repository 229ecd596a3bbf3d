// The API, and nothing else, is where the app's data comes from. Requests carry the session
// cookie, the reader's language and, for changes, the session's CSRF token; an error answer
// becomes an ApiError with the server's message, already in the reader's language.
import { sentence } from './format';
import { locale, t } from './i18n.svelte';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
    readonly messageId = '',
    readonly where = '',
    readonly cell: unknown = null, // a conflict: what is stored now
  ) {
    super(message);
  }
}

// What a page says of a failed request: the server's message when it gave one, the network
// when it could not be reached, the status otherwise.
export function problemOf(error: unknown): string {
  if (error instanceof ApiError && error.message) return sentence(error.message);
  if (error instanceof ApiError && error.status > 0) {
    return t('error.unexpected', { status: error.status });
  }
  return t('error.network');
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  // X-Requested-With: the server then answers 401 without asking the browser for a password.
  const headers: Record<string, string> = {
    'Accept-Language': locale.lang,
    'X-Requested-With': 'XMLHttpRequest',
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, '', 'network');
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json ?? {}) as Record<string, unknown>;
    throw new ApiError(
      response.status,
      typeof error.message === 'string' ? error.message : '',
      typeof error.code === 'string' ? error.code : '',
      typeof error.message_id === 'string' ? error.message_id : '',
      typeof error.where === 'string' ? error.where : '',
      error.cell ?? null,
    );
  }
  return json as T;
}

export interface Scope {
  kind: string;
  id: string;
  name: string;
}

export interface Me {
  username: string;
  name: string;
  language: 'fr' | 'en';
  roles: { role: string; scope: Scope }[];
  csrfToken?: string;
}

export async function signIn(username: string, password: string): Promise<Me> {
  const answer = await api<{ user: Me; csrfToken: string }>('POST', '/api/auth/login', {
    username,
    password,
  });
  setCsrfToken(answer.csrfToken);
  return answer.user;
}

// The signed-in user, or null when nobody is.
export async function currentUser(): Promise<Me | null> {
  try {
    const me = await api<Me>('GET', '/api/me');
    if (me.csrfToken) setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  await api<unknown>('POST', '/api/auth/logout');
  setCsrfToken('');
}
