import { describe, expect, it } from 'vitest';
import { chipsToFilters, decodeChips, encodeChips } from '../src/filters.js';

const types = { SeverityLabel: 'string', SeverityNormalized: 'number', UpdatedAt: 'date',
  ResourceTags: 'map', Sample: 'boolean', NetworkSourceIpV4: 'ip', Keyword: 'keyword' };
const typeOf = (name) => types[name] || 'string';

describe('chips to AwsSecurityFindingFilters', () => {
  it('writes each filter type in Security Hub form, several values of a field together', () => {
    const filters = chipsToFilters([
      { field: 'SeverityLabel', comparison: 'EQUALS', value: 'HIGH' },
      { field: 'SeverityLabel', comparison: 'EQUALS', value: 'CRITICAL' },
      { field: 'SeverityNormalized', comparison: '>=', value: '70' },
      { field: 'UpdatedAt', comparison: 'last days', value: '7' },
      { field: 'ResourceTags', comparison: 'EQUALS', value: 'env=prod=eu' },
      { field: 'Sample', comparison: 'is', value: 'false' },
      { field: 'NetworkSourceIpV4', comparison: 'in CIDR', value: '198.51.100.0/24' },
    ], typeOf);
    expect(filters).toEqual({
      SeverityLabel: [{ Value: 'HIGH', Comparison: 'EQUALS' }, { Value: 'CRITICAL', Comparison: 'EQUALS' }],
      SeverityNormalized: [{ Gte: 70 }],
      UpdatedAt: [{ DateRange: { Value: 7, Unit: 'DAYS' } }],
      ResourceTags: [{ Key: 'env', Value: 'prod=eu', Comparison: 'EQUALS' }],
      Sample: [{ Value: false }],
      NetworkSourceIpV4: [{ Cidr: '198.51.100.0/24' }],
    });
  });

  it('says what is wrong with a chip instead of sending a bad filter', () => {
    expect(() => chipsToFilters([{ field: 'SeverityNormalized', comparison: '>=', value: 'high' }], typeOf))
      .toThrow('SeverityNormalized: "high" is not a number');
    expect(() => chipsToFilters([{ field: 'ResourceTags', comparison: 'EQUALS', value: 'noequals' }], typeOf))
      .toThrow('write key=value');
    expect(() => chipsToFilters([{ field: 'UpdatedAt', comparison: 'last days', value: '-1' }], typeOf))
      .toThrow('whole number of days');
  });

  it('round-trips chips through the URL, unicode included, and ignores garbage', () => {
    const chips = [{ field: 'Title', comparison: 'CONTAINS', value: 'café → ✓' }];
    expect(decodeChips(encodeChips(chips))).toEqual(chips);
    expect(encodeChips([])).toBe('');
    expect(decodeChips('not base64 !!')).toEqual([]);
    expect(decodeChips(btoa('{"not":"a list"}'))).toEqual([]);
  });
});
