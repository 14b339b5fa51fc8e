// How the console shows the server's values. Every figure is computed by the server;
// these functions only write it for people: money "1200.00" as "¥1,200.00", a rate 0.4
// as "40.0%". None of them adds, rounds or converts a sum.
import {text} from '/console/i18n.js';

export const kNone = '–';

// Decimal text from the API ("1200.00", "-5.50") as yuan with thousands separators.
export function money(decimal) {
  if (decimal === null || decimal === undefined || decimal === '') return kNone;
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(String(decimal));
  if (!match) return String(decimal);
  const whole = match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${match[1]}¥${whole}${match[3] ?? ''}`;
}

// A rate given as a fraction (0.4), as a percentage with one decimal; null is "–".
export function rate(fraction) {
  if (fraction === null || fraction === undefined) return kNone;
  return `${(fraction * 100).toFixed(1)}%`;
}

// A count, or "–" when there is none.
export function count(value) {
  return value === null || value === undefined ? kNone : String(value);
}

// A value of an enumeration (a finding's severity, a work order's category) in the
// page's language: the catalogue's `group.value`, or the value itself when it has none.
export function choice(lang, group, value) {
  if (value === null || value === undefined || value === '') return kNone;
  const key = `${group}.${value}`;
  const shown = text(lang, key);
  return shown === key ? String(value) : shown;
}

// How long a household has owed: "35 months", "1 month", "this month" (0: the oldest
// unpaid period is the month of the as-of day).
export function monthsOverdue(lang, months) {
  if (months === null || months === undefined) return kNone;
  const key = months === 0 ? 'months.none' : months === 1 ? 'months.one' : 'months.many';
  return text(lang, key, {n: months});
}

// An age of arrears: "more than 2 years".
export function ageText(lang, years) {
  return text(lang, Number(years) === 1 ? 'age.more_than_one' : 'age.more_than', {years});
}

// A time the server wrote in the estate's zone ("2026-11-28T09:35:00+08:00") as people
// read it there: "2026-11-28 09:35". The server chose the zone; nothing is converted.
export function localTime(iso) {
  if (!iso) return kNone;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(String(iso));
  return match ? `${match[1]} ${match[2]}` : String(iso);
}
