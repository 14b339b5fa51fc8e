// A household's maintenance file (GET /v1/office/households/<id>/file): every work order,
// note, complaint and return visit of the household, in the order they happened, each
// with when (in its estate's zone), what it is, the order it belongs to, who handled,
// wrote or made it, what it says, the status of an order and the satisfaction of a
// return visit. More for the next page. Route: #/household?id=<household id>.
import {query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {choice, kNone} from '/console/format.js';
import {text} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {figure, Page} from '/console/page.js';

const kPageSize = 100;

// What an entry belongs to: a work order's category, or a complaint's type.
function about(lang, entry) {
  if (!entry.category) return kNone;
  return entry.order_kind === 'complaints' ? choice(lang, 'complaint_type', entry.category) :
                                             choice(lang, 'repair_category', entry.category);
}

function statusOf(lang, entry) {
  if (!entry.status) return '';
  return choice(
      lang, entry.kind === 'complaints' ? 'complaint_status' : 'work_order_status', entry.status);
}

export class HouseholdFilePage extends Page {
  titleKey = 'file.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'file-more');
  }

  show(params) {
    this.household = params.get('id') || '';
    return this.fetchAndRender(this.path({}));
  }

  path(extra) {
    return `/v1/office/households/${encodeURIComponent(this.household)}/file${
        query({limit: kPageSize, ...extra}, ['limit', 'cursor'])}`;
  }

  controls() {
    return el('p', {class: 'no-print'}, el('a', {href: '#/repairs'}, text(this.lang, 'file.back')));
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    const rows = d.items.map((e) => ({
                               attributes: {
                                 class: e.id === e.order ? 'file-order' : 'file-follow-up',
                                 dataset: {entry: e.id, kind: e.kind, order: e.order},
                               },
                               cells: [
                                 e.at || kNone,
                                 text(lang, `file.kind_${e.kind}`),
                                 about(lang, e),
                                 statusOf(lang, e),
                                 e.who || kNone,
                                 e.text || '',
                                 e.satisfaction === null ? '' : String(e.satisfaction),
                               ],
                             }));
    return [
      el('h3', {id: 'household-label'}, figure('household', d.household_label, d.household)),
      d.items.length === 0 ?
          el('p', {}, text(lang, 'file.none')) :
          table(
              [
                text(lang, 'file.at'), text(lang, 'file.what'), text(lang, 'repair.kind'),
                text(lang, 'repairs.status'), text(lang, 'file.who'), text(lang, 'file.text'),
                text(lang, 'file.satisfaction')
              ],
              rows, {numeric: [6], attributes: {id: 'file-table'}}),
      this.pager.footer(text(lang, 'file.shown', {shown: d.items.length, total: d.total})),
    ];
  }
}
