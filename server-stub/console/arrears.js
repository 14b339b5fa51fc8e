// The Arrears page: the households that owe, most overdue first (GET
// /v1/office/arrears), filtered by how long they have owed, building and collector, a
// page at a time; with the same list as CSV and XLSX, and the door-by-door worklist.
// Route: #/arrears?more_than_years=N&building=NAME&collector=NAME&as_of=YYYY-MM-DD[&limit=N]
// (each optional; as_of is today in the server's zone when left out).
import {load, query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {ageText, kNone, money, monthsOverdue} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {figure, Page} from '/console/page.js';

export const kFilterNames = ['more_than_years', 'building', 'collector', 'as_of'];
const kDefaultPageSize = 50;

// The filters of a route's parameters (also the worklist's).
export function filtersOf(params) {
  const filters = {};
  for (const name of kFilterNames) filters[name] = params.get(name) || '';
  return filters;
}

export class ArrearsPage extends Page {
  titleKey = 'arrears.title';

  show(params) {
    this.params = filtersOf(params);
    this.pageSize = Number(params.get('limit')) || kDefaultPageSize;
    this.loadingMore = false;
    return this.fetchAndRender(this.path({}));
  }

  path(extra) {
    return `/v1/office/arrears${query({...this.params, limit: this.pageSize, ...extra}, [
      ...kFilterNames, 'limit', 'cursor'
    ])}`;
  }

  // The next page, added under the rows shown.
  async more() {
    if (!this.data?.next_cursor || this.loadingMore) return;
    const generation = this.generation;
    this.loadingMore = true;
    this.render();
    const result = await load(this.path({cursor: this.data.next_cursor}));
    if (generation !== this.generation) return;
    this.loadingMore = false;
    if (result.status === 401) {
      this.host.signedOut();
      return;
    }
    if (result.error) {
      this.error = result.error;
    } else {
      this.data = {...result.data, items: [...this.data.items, ...result.data.items]};
    }
    this.render();
  }

  controls() {
    const lang = this.lang;
    const options = (values, allKey, current) =>
        [el('option', {value: ''}, text(lang, allKey)),
         ...(current && !values.includes(current) ? [current] : [])
             .concat(values)
             .map((v) => el('option', {value: v, selected: v === current}, v)),
    ];
    const years =
        el('select', {name: 'more_than_years', id: 'filter-more-than-years'},
           ['', '1', '2', '3'].map(
               (y) =>
                   el('option', {value: y, selected: y === (this.params.more_than_years || '')},
                      y ? ageText(lang, y) : text(lang, 'arrears.any_age'))));
    const building =
        el('select', {name: 'building', id: 'filter-building'},
           options(this.data?.buildings || [], 'arrears.all_buildings', this.params.building));
    const collector =
        el('select', {name: 'collector', id: 'filter-collector'},
           options(this.data?.collectors || [], 'arrears.all_collectors', this.params.collector));
    const asOf =
        el('input', {type: 'date', name: 'as_of', id: 'filter-as-of', value: this.params.as_of});
    const apply = () => {
      const filters = {
        more_than_years: years.value,
        building: building.value,
        collector: collector.value,
        as_of: asOf.value,
      };
      window.location.hash = `#/arrears${query(filters, kFilterNames)}`;
    };
    for (const input of [years, building, collector, asOf]) input.addEventListener('change', apply);
    return el(
        'form', {class: 'filters', id: 'arrears-filters', onsubmit: (e) => e.preventDefault()},
        el('label', {}, el('span', {}, text(lang, 'arrears.owing_for')), years),
        el('label', {}, el('span', {}, text(lang, 'arrears.building')), building),
        el('label', {}, el('span', {}, text(lang, 'arrears.collector')), collector),
        el('label', {}, el('span', {}, text(lang, 'today.as_of')), asOf));
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    const filters = query(this.params, kFilterNames);
    const rows = d.items.map(
        (h) => ({
          attributes: {dataset: {household: h.household, balance: h.balance}},
          cells: [
            el('span', {class: 'owner'}, h.owner || kNone),
            (h.phones || []).join(', ') || kNone,
            h.building || kNone,
            h.unit || kNone,
            money(h.balance),
            el('span', {title: (h.unpaid_periods || []).join(', ')}, h.oldest_period || kNone),
            monthsOverdue(lang, h.months_overdue),
          ],
        }));
    return [
      el('p', {class: 'summary'}, textParts(lang, 'arrears.summary', {
           total: figure('arrears-total', String(d.total), d.total),
           balance: figure('arrears-total-balance', money(d.total_balance), d.total_balance),
           as_of: figure('arrears-as-of', d.as_of, d.as_of),
         })),
      el('p', {class: 'actions'},
         el('a', {
           id: 'arrears-csv',
           class: 'button',
           href: `/v1/office/arrears.csv${filters}`,
           download: 'arrears.csv'
         },
            text(lang, 'arrears.csv')),
         el('a', {
           id: 'arrears-xlsx',
           class: 'button',
           href: `/v1/office/arrears.xlsx${filters}`,
           download: 'arrears.xlsx'
         },
            text(lang, 'arrears.xlsx')),
         el('a', {id: 'arrears-worklist', class: 'button', href: `#/worklist${filters}`},
            text(lang, 'arrears.worklist'))),
      d.items.length === 0 ? el('p', {}, text(lang, 'arrears.nobody')) :
                             table(
                                 [
                                   text(lang, 'arrears.owner'), text(lang, 'arrears.phones'),
                                   text(lang, 'arrears.building'), text(lang, 'arrears.unit'),
                                   text(lang, 'arrears.amount'), text(lang, 'arrears.oldest'),
                                   text(lang, 'arrears.how_long')
                                 ],
                                 rows, {numeric: [4], attributes: {id: 'arrears-table'}}),
      el('p', {class: 'paging'},
         text(lang, 'arrears.shown', {shown: d.items.length, total: d.total}), ' ',
         d.next_cursor ? el('button', {
           type: 'button',
           id: 'arrears-more',
           disabled: this.loadingMore,
           onclick: () => this.more(),
         },
                            text(lang, this.loadingMore ? 'page.loading' : 'arrears.more')) :
                         null),
    ];
  }
}
