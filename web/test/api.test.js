import { describe, expect, it } from 'vitest';
import { AuthError, makeApi } from '../src/api.js';

function fakeFetch(status, body, headers = {}) {
  const calls = [];
  const impl = async (path, init) => {
    calls.push({ path, init });
    return {
      status,
      ok: status >= 200 && status < 300,
      headers: { get: (name) => headers[name] ?? null },
      text: async () => JSON.stringify(body),
    };
  };
  return { impl, calls };
}

describe('the API client', () => {
  it('calls GetFindings as Security Hub has it, with the bearer token', async () => {
    const { impl, calls } = fakeFetch(200, { Findings: [], NextToken: 'n' });
    const api = makeApi(() => 'secret-token-123456', impl);
    const page = await api.getFindings({ filters: { Id: [] }, sort: [{ field: 'Title', ascending: true }], maxResults: 10, nextToken: 't' });
    expect(page.NextToken).toBe('n');
    expect(calls[0].path).toBe('/findings');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers.Authorization).toBe('Bearer secret-token-123456');
    expect(JSON.parse(calls[0].init.body)).toEqual({
      Filters: { Id: [] }, MaxResults: 10, NextToken: 't', SortCriteria: [{ Field: 'Title', SortOrder: 'asc' }],
    });
  });

  it('calls BatchUpdateFindings with the workflow and the note', async () => {
    const { impl, calls } = fakeFetch(200, { ProcessedFindings: [], UnprocessedFindings: [] });
    await makeApi(() => '', impl).updateWorkflow([{ ProductArn: 'p', Id: 'i' }], 'SUPPRESSED', 'accepted', 'alice');
    expect(calls[0].init.method).toBe('PATCH');
    expect(calls[0].path).toBe('/findings/batchupdate');
    expect(calls[0].init.headers.Authorization).toBeUndefined();
    expect(JSON.parse(calls[0].init.body)).toEqual({
      FindingIdentifiers: [{ ProductArn: 'p', Id: 'i' }], Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'accepted', UpdatedBy: 'alice' },
    });
  });

  it('turns refusals into AuthError and other errors into Security Hub style messages', async () => {
    await expect(makeApi(() => '', fakeFetch(403, { Message: 'no' }).impl).rules()).rejects.toBeInstanceOf(AuthError);
    await expect(makeApi(() => '', fakeFetch(400, { Message: 'bad filter' },
      { 'x-amzn-ErrorType': 'InvalidInputException:http://internal.amazon.com/' }).impl).rules())
      .rejects.toThrow('InvalidInputException: bad filter');
  });

  it('encodes a resource ARN as one path segment', async () => {
    const { impl, calls } = fakeFetch(200, {});
    await makeApi(() => '', impl).resource('arn:aws:s3:::bucket/with/slashes');
    expect(calls[0].path).toBe('/dashboard/resources/arn%3Aaws%3As3%3A%3A%3Abucket%2Fwith%2Fslashes');
  });
});
