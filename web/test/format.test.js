import { describe, expect, it } from 'vitest';
import { bySeverityThenNewest, relationsOf, shortResource } from '../src/format.js';

describe('relationsOf', () => {
  const view = {
    Resource: { Id: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0a', Type: 'AwsEc2Instance' },
    Relations: [
      {
        Id: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1',
        Type: 'AwsEc2SecurityGroup',
        Counts: true,
        Provenance: [
          { Kind: 'inventory', Source: 'ec2-api', LastSeen: '2026-11-20T10:00:00.000Z' },
          { Kind: 'finding', ProductName: 'GuardDuty', LastSeen: '2026-11-21T10:00:00.000Z' },
          { Kind: 'inventory', Source: 'ec2-api', LastSeen: '2026-11-19T10:00:00.000Z' },
        ],
      },
      { Id: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-2', Type: 'AwsEc2SecurityGroup', Counts: false, Provenance: [] },
    ],
  };

  it('makes one edge from the resource per relation, with each source once and the last sighting', () => {
    const edges = relationsOf(view);
    expect(edges).toHaveLength(2);
    expect(edges[0]).toEqual({
      from: view.Resource.Id,
      to: view.Relations[0].Id,
      toType: 'AwsEc2SecurityGroup',
      counts: true,
      sources: ['inventory ec2-api', 'finding GuardDuty'],
      lastSeen: '2026-11-21T10:00:00.000Z',
    });
    expect(edges[1].counts).toBe(false);
    expect(edges[1].lastSeen).toBe('');
  });

  it('is empty for no view', () => {
    expect(relationsOf(null)).toEqual([]);
    expect(relationsOf({ Resource: { Id: 'x' } })).toEqual([]);
  });
});

describe('ordering and names', () => {
  it('puts the most severe first, then the newest', () => {
    const f = (label, at) => ({ Severity: { Label: label }, UpdatedAt: at });
    const sorted = [f('LOW', '2026-11-22'), f('CRITICAL', '2026-11-01'), f('CRITICAL', '2026-11-20')].sort(
      bySeverityThenNewest,
    );
    expect(sorted.map((x) => [x.Severity.Label, x.UpdatedAt])).toEqual([
      ['CRITICAL', '2026-11-20'],
      ['CRITICAL', '2026-11-01'],
      ['LOW', '2026-11-22'],
    ]);
  });
  it('keeps the end of a long ARN', () => {
    expect(shortResource('a'.repeat(60) + 'tail', 10)).toBe('…aaaaatail');
    expect(shortResource('short')).toBe('short');
  });
});
