// The Today page: the office report of a period as of a day (GET /v1/office/today), the
// same document as `fieldsync-server report --json`, with the phones that have not
// synced today. Route: #/today, or #/today?period=YYYY-MM&as_of=YYYY-MM-DD.
import {query} from '/console/api.js';
import {amountChart, visitsChart} from '/console/charts.js';
import {el, table} from '/console/dom.js';
import {ageText, choice, count, kNone, money, rate} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {figure, Page, section} from '/console/page.js';
import {awaitingTable} from '/console/repairs.js';

export class TodayPage extends Page {
  // Drawn again when phones sync or the office changes something (console.js).
  live = true;
  titleKey = 'today.title';

  show(params) {
    this.params = {period: params.get('period') || '', as_of: params.get('as_of') || ''};
    return this.fetchAndRender(`/v1/office/today${query(this.params, ['period', 'as_of'])}`);
  }

  // The period and the day the report is for; the server's defaults when left empty.
  controls() {
    const lang = this.lang;
    const report = this.data?.report;
    const period = el('input', {
      type: 'month',
      name: 'period',
      value: this.params.period || report?.period || '',
    });
    const asOf =
        el('input', {type: 'date', name: 'as_of', value: this.params.as_of || report?.as_of || ''});
    const submit = (event) => {
      event.preventDefault();
      window.location.hash =
          `#/today${query({period: period.value, as_of: asOf.value}, ['period', 'as_of'])}`;
    };
    return el(
        'form', {class: 'filters', id: 'today-form', onsubmit: submit},
        el('label', {}, el('span', {}, text(lang, 'today.period')), period),
        el('label', {}, el('span', {}, text(lang, 'today.as_of')), asOf),
        el('button', {type: 'submit'}, text(lang, 'today.show')));
  }

  draw() {
    const lang = this.lang;
    const r = this.data.report;
    return [
      el('p', {class: 'report-heading'},
         textParts(lang, r.period_closed ? 'today.heading_closed' : 'today.heading', {
           period: figure('period', r.period, r.period),
           as_of: figure('as-of', r.as_of, r.as_of),
         })),
      tiles(lang, this.data),
      collection(lang, r),
      collectors(lang, r),
      promises(lang, r),
      findings(lang, r),
      repairs(lang, r),
      waiting(lang, r),
      devices(lang, this.data.devices_not_synced_today || []),
      arrearsByAge(lang, r),
    ];
  }
}

// The key figures at a glance.
function tiles(lang, data) {
  const r = data.report;
  const c = r.collection;
  const tile = (label, ...value) =>
      el('div', {class: 'tile'}, el('div', {class: 'tile-label'}, label),
         el('div', {class: 'tile-value'}, value));
  const devicesLate = data.devices_not_synced_today || [];
  return el(
      'div', {class: 'tiles'},
      tile(
          text(lang, 'today.period_rate', {period: r.period}),
          figure('period-rate', rate(c.period.rate), c.period.rate)),
      tile(
          text(lang, 'today.arrears_rate', {period: r.period}),
          figure('arrears-rate', rate(c.arrears.rate), c.arrears.rate)),
      tile(
          text(lang, 'today.collected_in_period', {period: r.period}),
          figure('collected-in-period', money(c.collected_in_period), c.collected_in_period)),
      tile(
          text(lang, 'today.promises_broken'),
          figure('promises-broken', count(r.promises.broken), r.promises.broken)),
      tile(
          text(lang, 'today.findings_overdue'),
          figure('findings-overdue', count(r.findings.overdue), r.findings.overdue)),
      tile(
          text(lang, 'today.awaiting_return'),
          figure(
              'awaiting-return-visit', count(r.work_orders_awaiting_return_visit.length),
              r.work_orders_awaiting_return_visit.length)),
      tile(
          text(lang, 'today.refused_open'),
          figure('refused-open', count(r.refused_changes.open), r.refused_changes.open)),
      tile(
          text(lang, 'today.conflicts_open'),
          figure('conflicts-open', count(r.open_conflicts.length), r.open_conflicts.length)),
      tile(
          text(lang, 'today.devices_late'),
          figure('devices-not-synced', count(devicesLate.length), devicesLate.length)));
}

function collection(lang, r) {
  const c = r.collection;
  const row = (name, label, figures) =>
      [label,
       figure(`${name}-due`, money(figures.due), figures.due),
       figure(`${name}-collected`, money(figures.collected), figures.collected),
       rate(figures.rate),
  ];
  return section(
      text(lang, 'today.collection'),
      table(
          ['', text(lang, 'today.due'), text(lang, 'today.collected'), text(lang, 'today.rate')],
          [
            row('period', text(lang, 'today.period_charges', {period: r.period}), c.period),
            row('arrears', text(lang, 'today.arrears_before', {period: r.period}), c.arrears),
          ],
          {numeric: [1, 2, 3], attributes: {id: 'collection-table'}}),
      el('p', {}, textParts(lang, 'today.credit', {
           period: r.period,
           credit: figure('credit-in-period', money(c.credit_in_period), c.credit_in_period),
         })));
}

function collectors(lang, r) {
  if (r.collectors.length === 0) {
    return section(text(lang, 'today.collectors'), el('p', {}, text(lang, 'today.no_collectors')));
  }
  return section(text(lang, 'today.collectors'), r.collectors.map((c) => {
    const fact = (label, name, shown, raw) =>
        el('div', {class: 'fact'}, el('dt', {}, label), el('dd', {}, figure(name, shown, raw)));
    return el(
        'article', {class: 'collector', dataset: {collector: c.collector}},
        el('h4', {}, c.collector),
        el('dl', {class: 'facts'},
           fact(text(lang, 'today.visits'), 'collector-visits', count(c.visits), c.visits),
           fact(
               text(lang, 'today.daily_target'), 'collector-daily-target',
               count(c.daily_visit_target), c.daily_visit_target),
           fact(
               text(lang, 'today.days_on_target'), 'collector-days-on-target',
               count(c.days_on_target), c.days_on_target),
           fact(
               text(lang, 'today.collected'), 'collector-collected', money(c.collected),
               c.collected),
           fact(
               text(lang, 'today.amount_target'), 'collector-amount-target', money(c.amount_target),
               c.amount_target),
           fact(
               text(lang, 'today.of_target'), 'collector-amount-rate', rate(c.amount_rate),
               c.amount_rate)),
        el('div', {class: 'charts'},
           el('figure', {}, el('figcaption', {}, text(lang, 'today.chart_amount')),
              amountChart(lang, c)),
           el('figure', {}, el('figcaption', {}, text(lang, 'today.chart_visits')),
              visitsChart(lang, c) ?? el('p', {}, text(lang, 'today.no_visits')))));
  }));
}

function promises(lang, r) {
  const p = r.promises;
  const rows = p.list.map((promise) => ({
                            attributes: {dataset: {visit: promise.visit}},
                            cells: [
                              promise.promise_date,
                              text(lang, promise.broken ? 'promise.broken' : 'promise.due_today'),
                              promise.owner_name || kNone,
                              promise.collector,
                              money(promise.promise_amount),
                              money(promise.paid_since),
                            ],
                          }));
  return section(
      text(lang, 'today.promises'), el('p', {}, textParts(lang, 'today.promises_due', {
                                         as_of: r.as_of,
                                         due: figure('promises-due', count(p.due), p.due),
                                         broken: count(p.broken),
                                       })),
      p.list.length === 0 ? el('p', {}, text(lang, 'today.none')) :
                            table(
                                [
                                  text(lang, 'promise.date'), text(lang, 'promise.state'),
                                  text(lang, 'promise.owner'), text(lang, 'promise.collector'),
                                  text(lang, 'promise.amount'), text(lang, 'promise.paid_since')
                                ],
                                rows, {numeric: [4, 5], attributes: {id: 'promises-table'}}));
}

function findings(lang, r) {
  const f = r.findings;
  return section(
      text(lang, 'today.findings'),
      el('p', {},
         textParts(
             lang, 'today.findings_open',
             {open: figure('findings-open', count(f.open), f.open), overdue: count(f.overdue)})),
      table(
          [
            text(lang, 'finding.severity'), text(lang, 'finding.open'),
            text(lang, 'finding.overdue')
          ],
          f.by_severity.map(
              (s) => [choice(lang, 'severity', s.severity), count(s.open), count(s.overdue)]),
          {numeric: [1, 2]}),
      el('h4', {}, text(lang, 'today.findings_overdue_list', {as_of: r.as_of})),
      f.overdue_list.length === 0 ?
          el('p', {}, text(lang, 'today.none')) :
          table(
              [
                text(lang, 'finding.deadline'), text(lang, 'finding.severity'),
                text(lang, 'finding.category'), text(lang, 'finding.building'),
                text(lang, 'finding.status'), text(lang, 'finding.assignee')
              ],
              f.overdue_list.map(
                  (o) => ({
                    attributes: {dataset: {finding: o.id}},
                    cells: [
                      o.deadline, choice(lang, 'severity', o.severity),
                      choice(lang, 'finding_category', o.category), o.building_label || kNone,
                      choice(lang, 'finding_status', o.status), o.assignee || kNone
                    ],
                  })),
              {attributes: {id: 'findings-overdue-table'}}));
}

function repairs(lang, r) {
  return section(
      text(lang, 'today.awaiting_return'),
      awaitingTable(lang, r.work_orders_awaiting_return_visit, 'repairs-table'));
}

// Refused changes and conflicts: the office's to settle.
function waiting(lang, r) {
  const refused = r.refused_changes;
  const conflicts = r.open_conflicts;
  const value = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  return section(
      text(lang, 'today.waiting'),
      el('p', {}, textParts(lang, 'today.refused', {
           open: count(refused.open),
           amount: figure('refused-amount', money(refused.amount), refused.amount)
         })),
      el('p', {}, text(lang, 'today.conflicts', {open: count(conflicts.length)})),
      conflicts.length === 0 ?
          null :
          table(
              [
                text(lang, 'conflict.detected'), text(lang, 'conflict.collection'),
                text(lang, 'conflict.field'), text(lang, 'conflict.winner'),
                text(lang, 'conflict.loser')
              ],
              conflicts.map(
                  (c) =>
                      [c.detected_at, choice(lang, 'collection', c.collection), c.field,
                       `${value(c.winner_value)} (${c.winner_device})`,
                       `${value(c.loser_value)} (${c.loser_device})`]),
              {attributes: {id: 'conflicts-table'}}));
}

function devices(lang, list) {
  return section(
      text(lang, 'today.devices_late'),
      list.length === 0 ?
          el('p', {}, text(lang, 'today.none')) :
          table(
              [
                text(lang, 'device.code'), text(lang, 'device.user'), text(lang, 'device.last_seen')
              ],
              list.map((d) => ({
                         attributes: {dataset: {device: d.device}},
                         cells: [d.device, d.user, d.last_seen_at || text(lang, 'device.never')],
                       })),
              {attributes: {id: 'devices-table'}}));
}

function arrearsByAge(lang, r) {
  return section(
      text(lang, 'today.arrears_by_age'),
      table(
          [text(lang, 'age.owing_for'), text(lang, 'age.households'), text(lang, 'age.amount')],
          r.arrears_by_age.map(
              (a) =>
                  [el('a', {
                     href: `#/arrears${
                         query(
                             {more_than_years: a.more_than_years, as_of: r.as_of},
                             ['more_than_years', 'as_of'])}`,
                   },
                      ageText(lang, a.more_than_years)),
                   count(a.households), money(a.amount)]),
          {numeric: [1, 2], attributes: {id: 'arrears-by-age-table'}}));
}
