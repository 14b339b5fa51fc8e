// A field's value as the phone sent it (JSON), written as people write it and as the
// server reads it back in a correction: the twin of format_field_value
// (core/src/text_values.cpp). Money in minor units 15000 is "150.00", a time in Unix
// milliseconds is "2026-11-28T01:35:00Z", a list is "a,b", a place is "lat,lon". Nothing
// is rounded or added: the digits are only placed.
//
// The API gives the values without their fields' types, so which integers are money
// and which are times is known here by the fields' names (the schema's money fields,
// core/src/collections.cpp, and its times, all named *_at). When the API gives each
// value's text, this module goes.
const kMoneyFields = new Set(['amount', 'promise_amount', 'amount_target', 'max_amount']);

// Minor units (an integer) as decimal text: 15000 -> "150.00", -5 -> "-0.05".
export function moneyText(minor) {
  const digits = String(Math.abs(minor)).padStart(3, '0');
  return `${minor < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

// Unix milliseconds as "2026-11-28T01:35:00Z" (milliseconds shown only when there are).
function timeText(ms) {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function fieldText(name, value) {
  if (value === null || value === undefined) return '';
  if (Number.isInteger(value)) {
    if (kMoneyFields.has(name)) return moneyText(value);
    if (name.endsWith('_at')) return timeText(value);
    return String(value);
  }
  if (Array.isArray(value)) return value.map((item) => fieldText('', item)).join(',');
  if (typeof value === 'object') {
    if ('lat' in value && 'lon' in value) {
      return [value.lat, value.lon, value.accuracy_m].filter((v) => v !== undefined).join(',');
    }
    return JSON.stringify(value);
  }
  return String(value);
}
