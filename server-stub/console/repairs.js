// The page Repairs and complaints (GET /v1/office/repairs): work orders and complaints by
// their status now, the return visits of a period and the owners' satisfaction, the
// repairs and complaints awaiting a return visit, and the work orders or complaints of
// one status (the records listing, GET /v1/office/records/<kind>?status=..., newest
// first, More for the next page). Each household is a link to its maintenance file
// (#/household?id=..., household_file.js). Every count is the server's.
// Route: #/repairs?period=YYYY-MM&as_of=YYYY-MM-DD&kind=work_orders|complaints&status=S
// (this month as of today, work orders of every status, when left out).
import {load, query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {choice, count, kNone} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {figure, Page, section} from '/console/page.js';

const kKinds = ['work_orders', 'complaints'];
const kPageSize = 50;
const kAwaitingShown = 200;

// The catalogue's group of a status of `kind`.
const statusGroup = (kind) => (kind === 'complaints' ? 'complaint_status' : 'work_order_status');

// A household's label as a link to its maintenance file.
function householdLink(id, label) {
  return el('a', {href: `#/household${query({id}, ['id'])}`, class: 'household'}, label || id);
}

// Where a repair or complaint is: its household (a link to the file), or its building
// and area; from ids with their labels beside them, as the report gives them.
function repairPlace(r) {
  if (r.household) return householdLink(r.household, r.household_label);
  return [r.building_label, r.area].filter((x) => x).join(' · ') || kNone;
}

// The repairs and complaints awaiting a return visit (the report's
// work_orders_awaiting_return_visit), as a table with id `id`; a line when there is none.
export function awaitingTable(lang, list, id) {
  if (list.length === 0) return el('p', {}, text(lang, 'today.none'));
  return table(
      [
        text(lang, 'repair.done_at'), text(lang, 'repair.kind'), text(lang, 'repair.assignee'),
        text(lang, 'repair.where')
      ],
      list.map((w) => ({
                 attributes: {dataset: {record: w.id}},
                 cells: [
                   w.done_at || kNone,
                   w.collection === 'complaints' ? text(lang, 'repair.complaint') :
                                                   choice(lang, 'repair_category', w.category),
                   w.assignee || kNone, repairPlace(w)
                 ],
               })),
      {attributes: {id}});
}

export class RepairsPage extends Page {
  titleKey = 'repairs.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'repairs-more');
    this.figures = null;  // the answer of /v1/office/repairs for this route
  }

  show(params) {
    const kind = params.get('kind');
    this.params = {
      period: params.get('period') || '',
      as_of: params.get('as_of') || '',
      kind: kKinds.includes(kind) ? kind : 'work_orders',
      status: params.get('status') || '',
    };
    this.figures = null;
    return this.fetchAndRender(async () => {
      const generation = this.generation;
      const [figures, list] = await Promise.all([
        load(`/v1/office/repairs${
            query({...this.params, limit: kAwaitingShown}, ['period', 'as_of', 'limit'])}`),
        load(this.path({})),
      ]);
      if (generation === this.generation) this.figures = figures.data ?? null;
      return figures.status === 200 ? list : figures;
    });
  }

  // A page of the work orders or complaints of the status chosen.
  path(extra) {
    return `/v1/office/records/${this.params.kind}${
        query(
            {status: this.params.status, limit: kPageSize, ...extra},
            ['status', 'limit', 'cursor'])}`;
  }

  route(changes) {
    const next = {...this.params, ...changes};
    return `#/repairs${query(next, ['period', 'as_of', 'kind', 'status'])}`;
  }

  controls() {
    const lang = this.lang;
    const f = this.figures;
    const period = el('input', {
      type: 'month',
      name: 'period',
      id: 'repairs-period',
      value: this.params.period || f?.period || '',
    });
    const asOf = el('input', {
      type: 'date',
      name: 'as_of',
      id: 'repairs-as-of',
      value: this.params.as_of || f?.as_of || '',
    });
    const kind =
        el('select', {id: 'repairs-kind', name: 'kind'},
           kKinds.map(
               (k) =>
                   el('option', {value: k, selected: k === this.params.kind},
                      text(lang, `repairs.kind_${k}`))));
    const statuses = f?.[this.params.kind]?.map((s) => s.status) ?? [];
    if (this.params.status && !statuses.includes(this.params.status)) {
      statuses.push(this.params.status);
    }
    const status =
        el('select', {id: 'repairs-status', name: 'status'},
           el('option', {value: '', selected: this.params.status === ''},
              text(lang, 'repairs.status_all')),
           statuses.map(
               (s) =>
                   el('option', {value: s, selected: s === this.params.status},
                      choice(lang, statusGroup(this.params.kind), s))));
    kind.addEventListener('change', () => {
      window.location.hash = this.route({kind: kind.value, status: ''});
    });
    status.addEventListener('change', () => {
      window.location.hash = this.route({status: status.value});
    });
    const submit = (event) => {
      event.preventDefault();
      window.location.hash = this.route({period: period.value, as_of: asOf.value});
    };
    return el(
        'form', {class: 'filters', id: 'repairs-form', onsubmit: submit},
        el('label', {}, el('span', {}, text(lang, 'today.period')), period),
        el('label', {}, el('span', {}, text(lang, 'today.as_of')), asOf),
        el('button', {type: 'submit'}, text(lang, 'today.show')),
        el('label', {}, el('span', {}, text(lang, 'repairs.list_of')), kind),
        el('label', {}, el('span', {}, text(lang, 'repairs.in_status')), status));
  }

  draw() {
    const lang = this.lang;
    const f = this.figures;
    if (!f) return el('p', {class: 'loading'}, text(lang, 'page.loading'));
    const visits = f.return_visits;
    const tile = (label, ...value) =>
        el('div', {class: 'tile'}, el('div', {class: 'tile-label'}, label),
           el('div', {class: 'tile-value'}, value));
    const average = visits.average_satisfaction;
    return [
      el('p', {class: 'report-heading'}, textParts(lang, 'repairs.heading', {
           period: figure('period', f.period, f.period),
           as_of: figure('as-of', f.as_of, f.as_of),
         })),
      el('div', {class: 'tiles'},
         tile(
             text(lang, 'today.awaiting_return'),
             figure('awaiting-return-visit', count(f.total), f.total)),
         tile(
             text(lang, 'repairs.return_visits', {period: f.period}),
             figure('return-visits', count(visits.visits), visits.visits)),
         tile(
             text(lang, 'repairs.average_satisfaction'),
             figure(
                 'average-satisfaction', average === null ? kNone : average.toFixed(2), average))),
      section(
          text(lang, 'repairs.by_status'),
          el('div', {class: 'by-status'}, kKinds.map((kind) => this.byStatus(kind)))),
      this.awaiting(),
      this.satisfaction(),
      this.list(),
    ];
  }

  // The counts of `kind` by status, each a link to the list of that status.
  byStatus(kind) {
    const lang = this.lang;
    const rows = this.figures[kind].map((s) => ({
                                          attributes: {dataset: {status: s.status}},
                                          cells: [
                                            el('a', {href: this.route({kind, status: s.status})},
                                               choice(lang, statusGroup(kind), s.status)),
                                            figure(`${kind}-${s.status}`, count(s.count), s.count),
                                          ],
                                        }));
    return el(
        'div', {}, el('h4', {}, text(lang, `repairs.kind_${kind}`)),
        table(
            [text(lang, 'repairs.status'), text(lang, 'repairs.count')], rows,
            {numeric: [1], attributes: {id: `status-${kind}`}}));
  }

  awaiting() {
    const lang = this.lang;
    const f = this.figures;
    return section(
        text(lang, 'today.awaiting_return'), awaitingTable(lang, f.items, 'awaiting-table'),
        f.total > f.items.length ?
            el('p', {},
               text(lang, 'repairs.awaiting_more', {shown: f.items.length, total: f.total})) :
            null);
  }

  satisfaction() {
    const lang = this.lang;
    const visits = this.figures.return_visits;
    return section(
        text(lang, 'repairs.satisfaction', {period: this.figures.period}),
        table(
            [text(lang, 'repairs.score'), text(lang, 'repairs.visits')],
            visits.by_score.map((n, i) => ({
                                  attributes: {dataset: {score: i + 1}},
                                  cells: [String(i + 1), figure(`score-${i + 1}`, count(n), n)],
                                })),
            {numeric: [0, 1], attributes: {id: 'satisfaction-table'}}));
  }

  // The work orders or complaints of the status chosen, newest first.
  list() {
    const lang = this.lang;
    const d = this.data;
    const kind = this.params.kind;
    const heading = this.params.status ?
        text(
            lang, `repairs.list_${kind}_in`,
            {status: choice(lang, statusGroup(kind), this.params.status)}) :
        text(lang, `repairs.list_${kind}`);
    const when = kind === 'complaints' ? 'received_at' : 'reported_at';
    const rows = d.items.map((r) => {
      const household = r.references?.household;
      const building = r.references?.building;
      const where = household ?
          householdLink(household.id, household.label) :
          [building?.label, r.fields.area].filter((x) => x).join(' · ') || kNone;
      return {
        attributes: {dataset: {record: r.id, status: r.fields.status}},
        cells: [
          r.fields[when] || kNone,
          where,
          kind === 'complaints' ? choice(lang, 'complaint_type', r.fields.type) :
                                  choice(lang, 'repair_category', r.fields.category),
          r.fields.description || kNone,
          r.fields.assignee || kNone,
          choice(lang, statusGroup(kind), r.fields.status),
        ],
      };
    });
    return section(
        heading,
        d.items.length === 0 ?
            el('p', {}, text(lang, 'today.none')) :
            table(
                [
                  text(lang, kind === 'complaints' ? 'repairs.received' : 'repairs.reported'),
                  text(lang, 'repair.where'), text(lang, 'repair.kind'),
                  text(lang, 'repairs.description'), text(lang, 'repair.assignee'),
                  text(lang, 'repairs.status')
                ],
                rows, {attributes: {id: 'repairs-list'}}),
        this.pager.footer(text(lang, 'repairs.shown', {shown: d.items.length, total: d.total})));
  }
}
