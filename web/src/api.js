// The dashboard's only way to the server: Security Hub's own routes where Security Hub has one
// (GetFindings, BatchUpdateFindings), /dashboard/* for the rest (rules, explanations, resources,
// counts, trying a rule on history). Every call carries the bearer token the user gave.

const TOKEN_KEY = 'corroborate.token';

export class AuthError extends Error {}

// The token from ?token= in the page's URL (then kept for the session and removed from the URL,
// so it does not end up in history or screenshots), else the one kept.
export function initialToken(location = globalThis.location, storage = globalThis.sessionStorage) {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given) {
    storage?.setItem(TOKEN_KEY, given);
    url.searchParams.delete('token');
    globalThis.history?.replaceState(null, '', url.pathname + url.search + url.hash);
    return given;
  }
  return storage?.getItem(TOKEN_KEY) || '';
}

export function saveToken(token, storage = globalThis.sessionStorage) {
  storage?.setItem(TOKEN_KEY, token);
}

export function makeApi(getToken, fetchImpl = globalThis.fetch.bind(globalThis)) {
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetchImpl(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = { Message: text };
    }
    if (response.status === 401 || response.status === 403) {
      throw new AuthError(data.Message || data.message || 'not authorized');
    }
    if (!response.ok) {
      const type = response.headers.get('x-amzn-ErrorType') || `HTTP ${response.status}`;
      throw new Error(`${type.split(':')[0]}: ${data.Message || data.message || text}`);
    }
    return data;
  }
  return {
    // GetFindings: `sort` is [{field, ascending}].
    getFindings({ filters = {}, sort = [], maxResults = 50, nextToken } = {}) {
      const body = { Filters: filters, MaxResults: maxResults };
      if (sort.length) {
        body.SortCriteria = sort.map((s) => ({ Field: s.field, SortOrder: s.ascending ? 'asc' : 'desc' }));
      }
      if (nextToken) body.NextToken = nextToken;
      return call('POST', '/findings', body);
    },
    // BatchUpdateFindings on the given identifiers ({ProductArn, Id}).
    updateWorkflow(identifiers, status, noteText, updatedBy) {
      const body = { FindingIdentifiers: identifiers, Workflow: { Status: status } };
      if (noteText) body.Note = { Text: noteText, UpdatedBy: updatedBy || 'dashboard' };
      return call('PATCH', '/findings/batchupdate', body);
    },
    filterFields: () => call('GET', '/dashboard/filter-fields'),
    counts: (filters) => call('POST', '/dashboard/counts', { Filters: filters }),
    rules: () => call('GET', '/dashboard/rules'),
    explain: (resource, rule) => call('POST', '/dashboard/explain', { Resource: resource, Rule: rule || '' }),
    resource: (arn) => call('GET', `/dashboard/resources/${encodeURIComponent(arn)}`),
    tryRule: (yaml) => call('POST', '/dashboard/rules/try', { Rule: yaml }),
    version: () => call('GET', '/dashboard/version'),
  };
}
