// The Today page's two charts, drawn as SVG by this file (no library): a collector's
// money collected against the amount target, and their visits per day against the daily
// target. The figures are the server's; numbers are read from them here only to size
// the bars, and every label shows the server's own text.
import {svg} from '/console/dom.js';
import {money, rate} from '/console/format.js';
import {text} from '/console/i18n.js';

const kAmountWidth = 360;
const kDayWidth = 28;
const kBarWidth = 18;
const kVisitsHeight = 100;

// A number read from decimal text, for geometry only.
function magnitude(decimal) {
  const value = Number.parseFloat(decimal ?? '0');
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function chart(width, height, label, ...children) {
  return svg(
      'svg', {
        class: 'chart',
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': label,
      },
      svg('title', {}, label), children);
}

// Collected (a filled bar) against the amount target (the bar's outline), both scaled
// to the larger of the two.
export function amountChart(lang, collector) {
  const collected = magnitude(collector.collected);
  const target = magnitude(collector.amount_target);
  const scale = Math.max(collected, target) || 1;
  const label = collector.amount_target === null ?
      text(lang, 'chart.collected_no_target', {collected: money(collector.collected)}) :
      text(lang, 'chart.collected_of_target', {
        collected: money(collector.collected),
        target: money(collector.amount_target),
        rate: rate(collector.amount_rate),
      });
  const bar = (value) => Math.round((value / scale) * (kAmountWidth - 2));
  return chart(
      kAmountWidth, 44, label, collector.amount_target === null ? null : svg('rect', {
        class: 'chart-target',
        x: 1,
        y: 1,
        width: bar(target),
        height: 20,
        'data-amount': collector.amount_target,
      }),
      svg('rect', {
        class: 'chart-collected',
        x: 1,
        y: 4,
        width: bar(collected),
        height: 14,
        'data-amount': collector.collected,
      }),
      svg('text', {class: 'chart-label', x: 1, y: 38}, label));
}

// One bar per day with visits, green when the day met the target; the daily target as a
// dashed line across.
export function visitsChart(lang, collector) {
  const days = collector.days || [];
  const target = collector.daily_visit_target;
  const label = text(lang, 'chart.visits', {
    visits: collector.visits,
    target: target === null ? '–' : target,
  });
  if (days.length === 0) return null;
  const top = Math.max(1, target || 0, ...days.map((d) => d.visits));
  const width = Math.max(kAmountWidth, 40 + days.length * kDayWidth);
  const height = kVisitsHeight + 40;
  const y = (visits) => 16 + kVisitsHeight - Math.round((visits / top) * kVisitsHeight);
  const bars = days.map((day, i) => {
    const x = 30 + i * kDayWidth;
    return [
      svg('rect', {
        class: day.on_target ? 'chart-bar on-target' : 'chart-bar',
        x,
        y: y(day.visits),
        width: kBarWidth,
        height: 16 + kVisitsHeight - y(day.visits),
        'data-date': day.date,
        'data-visits': day.visits,
      },
          svg('title', {}, text(lang, 'chart.day', {date: day.date, visits: day.visits}))),
      svg('text', {class: 'chart-value', x: x + kBarWidth / 2, y: y(day.visits) - 3}, day.visits),
      svg('text', {class: 'chart-axis', x: x + kBarWidth / 2, y: height - 10}, day.date.slice(8)),
    ];
  });
  const targetLine = target === null ? null : [
    svg('line', {
      class: 'chart-target-line',
      x1: 24,
      x2: width - 4,
      y1: y(target),
      y2: y(target),
      'data-target': target,
    }),
    svg('text', {class: 'chart-axis', x: 2, y: y(target) + 4}, target),
  ];
  return chart(
      width, height, label, svg('line', {
        class: 'chart-base',
        x1: 24,
        x2: width - 4,
        y1: 16 + kVisitsHeight,
        y2: 16 + kVisitsHeight,
      }),
      bars, targetLine);
}
