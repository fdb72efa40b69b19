// Filter chips (what the user builds: field, comparison, value) to and from Security Hub's
// AwsSecurityFindingFilters, by the field's filter type as the server's table gives it
// (GET /dashboard/filter-fields: [{name, type}] with type string|number|date|map|boolean|ip|keyword).

export const COMPARISONS = {
  string: ['EQUALS', 'PREFIX', 'CONTAINS', 'NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS'],
  map: ['EQUALS', 'CONTAINS', 'NOT_EQUALS', 'NOT_CONTAINS'],
  number: ['>=', '<=', '='],
  date: ['last days', 'on or after', 'on or before'],
  boolean: ['is'],
  ip: ['in CIDR'],
  keyword: ['matches'],
};

// One chip as the Filters member it adds to: [name, entry].
export function chipToFilter(chip, type) {
  const { field, comparison, value } = chip;
  switch (type) {
    case 'number': {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${field}: "${value}" is not a number`);
      return [field, comparison === '>=' ? { Gte: n } : comparison === '<=' ? { Lte: n } : { Eq: n }];
    }
    case 'date': {
      if (comparison === 'last days') {
        const days = Number(value);
        if (!Number.isInteger(days) || days < 1) throw new Error(`${field}: give a whole number of days`);
        return [field, { DateRange: { Value: days, Unit: 'DAYS' } }];
      }
      const when = new Date(value);
      if (Number.isNaN(when.getTime())) throw new Error(`${field}: "${value}" is not a date`);
      return [field, comparison === 'on or after' ? { Start: when.toISOString() } : { End: when.toISOString() }];
    }
    case 'map': {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new Error(`${field}: write key=value`);
      return [field, { Key: value.slice(0, eq), Value: value.slice(eq + 1), Comparison: comparison }];
    }
    case 'boolean':
      return [field, { Value: value === 'true' }];
    case 'ip':
      return [field, { Cidr: value }];
    case 'keyword':
      return [field, { Value: value }];
    default:
      return [field, { Value: value, Comparison: comparison }];
  }
}

export function chipsToFilters(chips, typeOf) {
  const filters = {};
  for (const chip of chips) {
    const [name, entry] = chipToFilter(chip, typeOf(chip.field));
    (filters[name] ||= []).push(entry);
  }
  return filters;
}

// A chip's text, for its label and for reading aloud.
export function chipLabel(chip) {
  return `${chip.field} ${chip.comparison.toLowerCase().replaceAll('_', ' ')} ${chip.value}`;
}

// Chips in the URL (#/findings?f=...), so a filtered view can be bookmarked and shared.
export function encodeChips(chips) {
  return chips.length ? btoa(unescape(encodeURIComponent(JSON.stringify(chips)))) : '';
}
export function decodeChips(text) {
  if (!text) return [];
  try {
    const chips = JSON.parse(decodeURIComponent(escape(atob(text))));
    return Array.isArray(chips) ? chips.filter((c) => c && c.field && c.comparison) : [];
  } catch {
    return [];
  }
}

// The incidents: Corroborate's own findings.
export const INCIDENT_FILTERS = {
  ProductName: [{ Value: 'Corroborate', Comparison: 'EQUALS' }],
  RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
};
