// The door-by-door worklist: the households in arrears of the Arrears page's filters
// (usually one collector's), every page of GET /v1/office/arrears?order=door, grouped by
// building in door order, with a blank column for what happened at each door. Made to
// be printed: console.css hides the navigation and buttons in print.
// Route: #/worklist?collector=NAME&building=NAME&more_than_years=N&as_of=YYYY-MM-DD.
import {load, query} from '/console/api.js';
import {filtersOf, kFilterNames} from '/console/arrears.js';
import {el, table} from '/console/dom.js';
import {ageText, kNone, money, monthsOverdue} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {figure, Page} from '/console/page.js';

const kPageSize = 500;
const kMostPages = 200;  // 100,000 households: a list no one walks in a day

export class WorklistPage extends Page {
  titleKey = 'worklist.title';

  show(params) {
    this.params = filtersOf(params);
    return this.fetchAndRender(() => this.loadAll());
  }

  // Every page, in door order; one answer made of them.
  async loadAll() {
    let cursor = null;
    let items = [];
    for (let pages = 0; pages < kMostPages; ++pages) {
      const result = await load(
          `/v1/office/arrears${query({...this.params, order: 'door', limit: kPageSize, cursor}, [
            ...kFilterNames, 'order', 'limit', 'cursor'
          ])}`);
      if (result.error) return result;
      items = items.concat(result.data.items);
      cursor = result.data.next_cursor;
      if (!cursor) return {status: 200, data: {...result.data, items, next_cursor: null}};
    }
    return {status: 0, error: text(this.lang, 'worklist.too_long')};
  }

  controls() {
    const lang = this.lang;
    return el(
        'p', {class: 'actions no-print'},
        el('button', {type: 'button', id: 'print-worklist', onclick: () => window.print()},
           text(lang, 'worklist.print')),
        el('a', {class: 'button', href: `#/arrears${query(this.params, kFilterNames)}`},
           text(lang, 'worklist.back')));
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    const p = this.params;
    const groups = [];
    for (const h of d.items) {
      const last = groups[groups.length - 1];
      if (last && last.building === h.building) {
        last.items.push(h);
      } else {
        groups.push({building: h.building, items: [h]});
      }
    }
    return [
      el('p', {class: 'summary'}, textParts(lang, 'worklist.for', {
           collector: p.collector || text(lang, 'arrears.all_collectors'),
           building: p.building || text(lang, 'arrears.all_buildings'),
           age: p.more_than_years ? ageText(lang, p.more_than_years) :
                                    text(lang, 'arrears.any_age'),
         })),
      el('p', {class: 'summary'}, textParts(lang, 'arrears.summary', {
           total: figure('worklist-total', String(d.total), d.total),
           balance: figure('worklist-total-balance', money(d.total_balance), d.total_balance),
           as_of: figure('worklist-as-of', d.as_of, d.as_of),
         })),
      d.items.length === 0 ? el('p', {}, text(lang, 'arrears.nobody')) : null,
      groups.map(
          (g) =>
              el('section', {class: 'worklist-building', dataset: {building: g.building}},
                 el('h3', {}, g.building || kNone),
                 table(
                     [
                       text(lang, 'arrears.unit'), text(lang, 'arrears.owner'),
                       text(lang, 'arrears.phones'), text(lang, 'arrears.amount'),
                       text(lang, 'arrears.oldest'), text(lang, 'arrears.how_long'),
                       text(lang, 'worklist.outcome')
                     ],
                     g.items.map(
                         (h) => ({
                           attributes: {dataset: {household: h.household}},
                           cells: [
                             h.unit || kNone, el('span', {class: 'owner'}, h.owner || kNone),
                             (h.phones || []).join(', ') || kNone, money(h.balance),
                             h.oldest_period || kNone, monthsOverdue(lang, h.months_overdue), ''
                           ],
                         })),
                     {numeric: [3], attributes: {class: 'worklist'}}))),
    ];
  }
}
