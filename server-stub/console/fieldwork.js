// The page Field work: what the collectors did, from the records listing (GET
// /v1/office/records/<collection>, docs/console.md "Records"):
//   - fee visits, payments or voids, newest first, filtered by the local day, the
//     collector, the building and, for visits, the outcome; a payment that was voided
//     says so, with the void's reason;
//   - a receipt looked up by its number (payments' receipt_number): the payment, its
//     household (owner and phones), who collected it, when, and whether it is voided;
//   - with the voids, the payments voided more than once (the office report's
//     duplicate_voids, GET /v1/office/today), whose later voids change nothing.
// The office does not void a payment here: a void is an event the collector who took the
// payment records on their phone (`fieldsync void`); the server has no void of its own.
// Route: #/fieldwork?show=fee_visits|payments|payment_voids&day=YYYY-MM-DD&collector=NAME
//   &building=ID&outcome=OUTCOME&receipt=NUMBER (each optional; payments when no show).
import {load, query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {choice, kNone, localTime, money} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {figure, Page, section} from '/console/page.js';

const kKinds = ['payments', 'fee_visits', 'payment_voids'];
const kFilterNames = ['show', 'day', 'collector', 'building', 'outcome', 'receipt'];
const kPageSize = 50;
// The users whose field work this page lists: those who take payments and make visits.
const kFieldRoles = ['collector', 'customer_service'];
// Voids are few: every one is read (pages of 500, at most this many) to mark payments.
const kMaxVoidPages = 20;
// A receipt number as typed: at most this long.
const kMaxReceiptLength = 100;

// Every page of a records list, or the first error (as api.js's load() answers).
async function loadEvery(path) {
  const items = [];
  let cursor = '';
  for (let n = 0; n < kMaxVoidPages; ++n) {
    const separator = path.includes('?') ? '&' : '?';
    const result = await load(`${path}${separator}limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    if (result.error) return result;
    items.push(...result.data.items);
    if (!result.data.next_cursor) break;
    cursor = encodeURIComponent(result.data.next_cursor);
  }
  return {status: 200, data: items};
}

// The first failed answer of `results`, or null.
const failed = (...results) => results.find((r) => r && r.error) ?? null;

export class FieldworkPage extends Page {
  titleKey = 'fieldwork.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'fieldwork-more');
  }

  show(params) {
    const filters = {};
    for (const name of kFilterNames) filters[name] = (params.get(name) || '').trim();
    if (!kKinds.includes(filters.show)) filters.show = 'payments';
    if (filters.show !== 'fee_visits') filters.outcome = '';
    filters.receipt = filters.receipt.slice(0, kMaxReceiptLength);
    this.params = filters;
    return this.fetchAndRender(() => this.loadAll());
  }

  // The list of one page of the chosen records, with the route's filters.
  path(extra) {
    const {show, day, collector, building, outcome} = this.params;
    // A void names who voided it, not who collected.
    const who = show === 'payment_voids' ? 'voided_by' : 'collector';
    return `/v1/office/records/${show}${
        query(
            {
              [who]: collector,
              building,
              outcome,
              from: day,
              to: day,
              limit: kPageSize,
              ...extra,
            },
            [who, 'building', 'outcome', 'from', 'to', 'limit', 'cursor'])}`;
  }

  async loadAll() {
    const {show, receipt} = this.params;
    const [list, people, voids, report, lookup] = await Promise.all([
      load(this.path({})),
      load('/v1/office/people'),
      show === 'payments' ? loadEvery('/v1/office/records/payment_voids') : null,
      show === 'payment_voids' ? load('/v1/office/today') : null,
      receipt ? this.lookUp(receipt) : null,
    ]);
    const refused = [list, people, voids, report, lookup].find((r) => r && r.status === 401) ||
        failed(list, people, voids, report, lookup);
    if (refused) return refused;
    // Newest first: the void that counts, the earliest (figures.h), comes last.
    const voidOf = new Map();
    for (const v of voids?.data ?? []) {
      const payment = v.references?.payment?.id;
      if (payment) voidOf.set(payment, v);
    }
    return {
      status: 200,
      data: {
        ...list.data,
        users: people.data.users.filter((u) => kFieldRoles.includes(u.role)).map((u) => u.name),
        buildings: people.data.buildings,
        voidOf,
        duplicateVoids: report ? report.data.report.duplicate_voids ?? [] : null,
        receipt: lookup?.data ?? null,
      },
    };
  }

  // The payment of receipt `number`, its household and its voids: {number, payment: null}
  // when no payment has it.
  async lookUp(number) {
    const found = await load(
        `/v1/office/records/payments${query({receipt_number: number}, ['receipt_number'])}`);
    if (found.error) return found;
    const payment = found.data.items[0] ?? null;
    if (!payment) return {status: 200, data: {number, payment: null}};
    const household = payment.references?.household?.id;
    const [voids, home] = await Promise.all([
      load(`/v1/office/records/payment_voids${query({payment: payment.id}, ['payment'])}`),
      household ? load(`/v1/office/records/households/${encodeURIComponent(household)}`) : null,
    ]);
    const problem = failed(voids, home);
    if (problem) return problem;
    return {
      status: 200,
      data: {number, payment, voids: voids.data.items, household: home?.data ?? null},
    };
  }

  go(filters) {
    window.location.hash = `#/fieldwork${query({...this.params, ...filters}, kFilterNames)}`;
  }

  controls() {
    const lang = this.lang;
    const p = this.params;
    const receipt = el('input', {
      id: 'fieldwork-receipt-number',
      name: 'receipt',
      value: p.receipt,
      maxlength: kMaxReceiptLength,
      autocomplete: 'off',
    });
    const lookUp = el(
        'form', {
          class: 'filters',
          id: 'fieldwork-receipt-form',
          onsubmit: (e) => {
            e.preventDefault();
            this.go({receipt: receipt.value.trim()});
          },
        },
        el('label', {}, el('span', {}, text(lang, 'fieldwork.receipt_number')), receipt),
        el('button', {type: 'submit', id: 'fieldwork-look-up'}, text(lang, 'fieldwork.look_up')));

    const options = (values, allKey, current, label = (v) => v) =>
        [el('option', {value: ''}, text(lang, allKey)),
         ...values.map((v) => el('option', {value: v, selected: v === current}, label(v))),
    ];
    const users = this.data?.users ?? [];
    const show = el(
        'select', {id: 'fieldwork-show', name: 'show'},
        kKinds.map(
            (k) => el(
                'option', {value: k, selected: k === p.show}, text(lang, `fieldwork.show_${k}`))));
    const day = el('input', {type: 'date', id: 'fieldwork-day', name: 'day', value: p.day});
    const collector =
        el('select', {id: 'fieldwork-collector', name: 'collector'},
           options(
               p.collector && !users.includes(p.collector) ? [p.collector, ...users] : users,
               'fieldwork.all_collectors', p.collector));
    const buildings = this.data?.buildings ?? [];
    const labels = new Map(buildings.map((b) => [b.id, b.label]));
    const building =
        el('select', {id: 'fieldwork-building', name: 'building'},
           options(
               [...(p.building && !labels.has(p.building) ? [p.building] : []), ...labels.keys()],
               'fieldwork.all_buildings', p.building, (id) => labels.get(id) ?? id));
    const outcomes = this.data?.choices?.outcome ?? (p.outcome ? [p.outcome] : []);
    const outcome = p.show === 'fee_visits' ?
        el('select', {id: 'fieldwork-outcome', name: 'outcome'},
           options(
               outcomes, 'fieldwork.all_outcomes', p.outcome,
               (o) => choice(lang, 'fieldwork.outcome', o))) :
        null;
    const apply = () => this.go({
      show: show.value,
      day: day.value,
      collector: collector.value,
      building: building.value,
      outcome: outcome && show.value === 'fee_visits' ? outcome.value : '',
    });
    for (const input of [show, day, collector, building, outcome]) {
      input?.addEventListener('change', apply);
    }
    const filters = el(
        'form', {class: 'filters', id: 'fieldwork-filters', onsubmit: (e) => e.preventDefault()},
        el('label', {}, el('span', {}, text(lang, 'fieldwork.show')), show),
        el('label', {}, el('span', {}, text(lang, 'fieldwork.day')), day),
        el('label', {}, el('span', {}, text(lang, 'fieldwork.collector')), collector),
        el('label', {}, el('span', {}, text(lang, 'fieldwork.building')), building),
        outcome ? el('label', {}, el('span', {}, text(lang, 'fieldwork.outcome_filter')), outcome) :
                  null);
    return [lookUp, filters];
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    const kind = this.params.show;
    return [
      d.receipt ? this.receipt(d.receipt) : null,
      kind === 'payment_voids' ? this.duplicates(d.duplicateVoids) : null,
      el('p', {class: 'summary'}, textParts(lang, `fieldwork.total_${kind}`, {
           total: figure('fieldwork-total', String(d.total), d.total),
         })),
      d.items.length === 0      ? el('p', {}, text(lang, 'fieldwork.none')) :
          kind === 'payments'   ? this.payments(d.items) :
          kind === 'fee_visits' ? this.visits(d.items) :
                                  this.voids(d.items),
      this.pager.footer(text(lang, 'fieldwork.shown', {shown: d.items.length, total: d.total})),
    ];
  }

  payments(items) {
    const lang = this.lang;
    const rows = items.map((pay) => {
      const f = pay.fields;
      const voided = this.data.voidOf.get(pay.id);
      return {
        attributes: {
          class: voided ? 'voided' : undefined,
          dataset: {record: pay.id, receipt: f.receipt_number, voided: Boolean(voided)},
        },
        cells: [
          localTime(f.paid_at),
          f.receipt_number || kNone,
          pay.references.household?.label ?? kNone,
          money(f.amount),
          choice(lang, 'fieldwork.method', f.method),
          f.collector || kNone,
          voided ? text(lang, 'fieldwork.voided_because', {reason: voided.fields.reason ?? ''}) :
                   kNone,
        ],
      };
    });
    return table(
        [
          text(lang, 'fieldwork.paid_at'),
          text(lang, 'fieldwork.receipt'),
          text(lang, 'fieldwork.household'),
          text(lang, 'fieldwork.amount'),
          text(lang, 'fieldwork.method_heading'),
          text(lang, 'fieldwork.collector'),
          text(lang, 'fieldwork.void'),
        ],
        rows, {numeric: [3], attributes: {id: 'fieldwork-list', class: 'payments'}});
  }

  visits(items) {
    const lang = this.lang;
    const rows = items.map((v) => {
      const f = v.fields;
      const promise = f.promise_date ?
          text(lang, 'fieldwork.promise', {date: f.promise_date, amount: money(f.promise_amount)}) :
          kNone;
      return {
        attributes: {dataset: {record: v.id, outcome: f.outcome}},
        cells: [
          localTime(f.visited_at),
          v.references.household?.label ?? kNone,
          choice(lang, 'fieldwork.outcome', f.outcome),
          choice(lang, 'fieldwork.channel', f.channel),
          f.collector || kNone,
          f.person_met || kNone,
          promise,
          f.note || kNone,
        ],
      };
    });
    return table(
        [
          text(lang, 'fieldwork.visited_at'),
          text(lang, 'fieldwork.household'),
          text(lang, 'fieldwork.outcome_heading'),
          text(lang, 'fieldwork.channel_heading'),
          text(lang, 'fieldwork.collector'),
          text(lang, 'fieldwork.person_met'),
          text(lang, 'fieldwork.promise_heading'),
          text(lang, 'fieldwork.note'),
        ],
        rows, {attributes: {id: 'fieldwork-list', class: 'visits'}});
  }

  voids(items) {
    const lang = this.lang;
    const rows = items.map((v) => ({
                             attributes: {dataset: {record: v.id, payment: v.fields.payment}},
                             cells: [
                               localTime(v.fields.voided_at),
                               v.references.payment?.label ?? kNone,
                               v.fields.reason || kNone,
                               v.fields.voided_by || kNone,
                             ],
                           }));
    return table(
        [
          text(lang, 'fieldwork.voided_at'),
          text(lang, 'fieldwork.payment'),
          text(lang, 'fieldwork.reason'),
          text(lang, 'fieldwork.voided_by'),
        ],
        rows, {attributes: {id: 'fieldwork-list', class: 'voids'}});
  }

  // The report's payments voided more than once: their later voids change nothing.
  duplicates(list) {
    const lang = this.lang;
    if (list === null) return null;
    return section(
        text(lang, 'fieldwork.duplicates'),
        el('p', {}, textParts(lang, 'fieldwork.duplicates_count', {
             count: figure('duplicate-voids', String(list.length), list.length),
           })),
        list.length === 0 ? null :
                            table(
                                [
                                  text(lang, 'fieldwork.payment'),
                                  text(lang, 'fieldwork.first_void'),
                                  text(lang, 'fieldwork.later_void'),
                                ],
                                list.map((v) => [v.payment, v.first_void, v.void])));
  }

  // The receipt looked up: the payment with its household, who collected it and when,
  // and whether it is voided; or that no payment has that number.
  receipt(r) {
    const lang = this.lang;
    if (!r.payment) {
      return el(
          'section', {class: 'panel receipt', id: 'fieldwork-receipt', dataset: {found: false}},
          el('p', {class: 'error'}, text(lang, 'fieldwork.no_receipt', {number: r.number})));
    }
    const f = r.payment.fields;
    const voided = r.voids[r.voids.length - 1];  // the earliest, which counts
    const h = r.household?.fields ?? {};
    const fact = (key, value, name) =>
        el('div', {class: 'fact'}, el('dt', {}, text(lang, key)),
           el('dd', {dataset: {receiptField: name}}, value));
    return el(
        'section', {
          class: 'panel receipt',
          id: 'fieldwork-receipt',
          dataset: {
            found: true,
            payment: r.payment.id,
            amount: f.amount,
            household: r.payment.references.household?.id ?? '',
            voided: Boolean(voided),
          },
        },
        el('h3', {}, text(lang, 'fieldwork.receipt_heading', {number: f.receipt_number})),
        el('dl', {class: 'facts'}, fact('fieldwork.amount', money(f.amount), 'amount'),
           fact('fieldwork.household', r.payment.references.household?.label ?? kNone, 'household'),
           fact('fieldwork.owner', h.owner_name || kNone, 'owner'),
           fact('fieldwork.phones', h.phones || kNone, 'phones'),
           fact('fieldwork.collector', f.collector || kNone, 'collector'),
           fact('fieldwork.paid_at', localTime(f.paid_at), 'paid_at'),
           fact('fieldwork.method_heading', choice(lang, 'fieldwork.method', f.method), 'method')),
        voided ? el('p', {class: 'error voided', dataset: {void: voided.id}},
                    text(lang, 'fieldwork.receipt_voided', {
                      at: localTime(voided.fields.voided_at),
                      who: voided.fields.voided_by ?? kNone,
                      reason: voided.fields.reason ?? '',
                    })) :
                 el('p', {class: 'not-voided'}, text(lang, 'fieldwork.receipt_not_voided')),
        r.voids.length > 1 ?
            el('p', {}, text(lang, 'fieldwork.receipt_more_voids', {count: r.voids.length - 1})) :
            null);
  }
}
