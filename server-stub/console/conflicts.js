// The page Conflicts (GET /v1/office/conflicts): the changes two phones made to the same
// field of a record while offline. The merge kept one value (the winner) and set the other
// aside (the loser); the office decides here: keep either side, or type the value the
// record should hold (POST /v1/office/conflicts/resolve). The phones get it at their next
// sync. A resolved conflict stays in the list, saying by whom; a refusal is shown in the
// conflict as the server's message.
// Route: #/conflicts?status=open|resolved|all (open when left out).
import {query} from '/console/api.js';
import {el} from '/console/dom.js';
import {choice, kNone} from '/console/format.js';
import {text} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {Page} from '/console/page.js';

const kStatuses = ['open', 'resolved', 'all'];
const kPageSize = 50;

export class ConflictsPage extends Page {
  titleKey = 'conflicts.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'conflicts-more');
    this.busy = new Set();    // ids of the conflicts being resolved
    this.errors = new Map();  // id -> the server's refusal of its last resolution
    this.drafts = new Map();  // id -> the value typed, kept across drawing again
  }

  show(params) {
    const status = params.get('status');
    this.status = kStatuses.includes(status) ? status : 'open';
    this.busy.clear();
    this.errors.clear();
    this.drafts.clear();
    return this.fetchAndRender(this.path({}));
  }

  path(extra) {
    return `/v1/office/conflicts${
        query({status: this.status, limit: kPageSize, ...extra}, ['status', 'limit', 'cursor'])}`;
  }

  async resolve(conflict, resolution) {
    if (this.busy.has(conflict.id)) return;
    const generation = this.generation;
    this.busy.add(conflict.id);
    this.errors.delete(conflict.id);
    this.render();
    const result = await this.send(
        'POST', '/v1/office/conflicts/resolve', {conflict: conflict.id, ...resolution});
    if (generation !== this.generation || result.signedOut) return;
    this.busy.delete(conflict.id);
    if (result.error) {
      this.errors.set(conflict.id, result.error);
    } else {
      this.drafts.delete(conflict.id);
      this.data.items = this.data.items.map((c) => (c.id === conflict.id ? result.answer : c));
      this.host.countsChanged();
    }
    this.render();
  }

  controls() {
    const lang = this.lang;
    const status =
        el('select', {id: 'conflicts-status', name: 'status'},
           kStatuses.map(
               (s) =>
                   el('option', {value: s, selected: s === this.status},
                      text(lang, `conflicts.status_${s}`))));
    status.addEventListener('change', () => {
      window.location.hash =
          `#/conflicts${query({status: status.value === 'open' ? '' : status.value}, ['status'])}`;
    });
    return el(
        'form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
        el('label', {}, el('span', {}, text(lang, 'conflicts.show')), status));
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    return [
      d.items.length === 0 ? el('p', {}, text(lang, `conflicts.none_${this.status}`)) :
                             el('div', {id: 'conflicts'}, d.items.map((c) => this.conflict(c))),
      this.pager.footer(text(lang, 'conflicts.shown', {shown: d.items.length, total: d.total})),
    ];
  }

  conflict(c) {
    const lang = this.lang;
    const open = c.status === 'open';
    const error = this.errors.get(c.id);
    return el(
        'article', {class: 'conflict', dataset: {conflict: c.id, status: c.status}},
        el('h3', {}, el('span', {class: 'record-label'}, c.record_label || c.record), ' · ',
           choice(lang, 'collection', c.collection), ' · ',
           el('span', {class: 'field'}, choice(lang, 'field', c.field))),
        el('p', {class: 'detected'}, text(lang, 'conflicts.detected', {at: c.detected_at})),
        el('div', {class: 'sides'}, this.side(c, 'winner'), this.side(c, 'loser')),
        open ? this.valueForm(c) : this.resolution(c),
        error ? el('p', {class: 'error', role: 'alert'},
                   text(lang, 'conflicts.refused', {message: error})) :
                null);
  }

  // One side: its value, who wrote it on which phone and when, and "Keep this".
  side(c, side) {
    const lang = this.lang;
    const s = c[side];
    const value = s.text === '' ? el('em', {}, text(lang, 'conflicts.empty')) : s.text;
    return el(
        'section', {class: `side ${side}`, dataset: {side}},
        el('h4', {}, text(lang, `conflicts.${side}`)), el('p', {class: 'value'}, value),
        el('p', {class: 'who'},
           text(lang, 'conflicts.who', {user: s.user ?? kNone, device: s.device || kNone})),
        el('p', {class: 'when'}, s.at ?? kNone),
        c.status === 'open' ? el('button', {
          type: 'button',
          class: 'keep',
          disabled: this.busy.has(c.id),
          onclick: () => this.resolve(c, {keep: side}),
        },
                                 text(lang, 'conflicts.keep')) :
                              null);
  }

  // Another value, typed as people write it ("13900009999", "150.00", "a,b").
  valueForm(c) {
    const lang = this.lang;
    const input = el('input', {
      name: 'value',
      class: 'other-value',
      value: this.drafts.get(c.id) ?? '',
      'aria-label': text(lang, 'conflicts.other_value'),
      oninput: (e) => this.drafts.set(c.id, e.target.value),
    });
    return el(
        'form', {
          class: 'resolve-value',
          onsubmit: (event) => {
            event.preventDefault();
            this.resolve(c, {value: input.value});
          },
        },
        el('label', {}, el('span', {}, text(lang, 'conflicts.other_value')), input),
        el('button', {type: 'submit', disabled: this.busy.has(c.id)},
           text(lang, 'conflicts.use_value')));
  }

  resolution(c) {
    const lang = this.lang;
    return el(
        'p', {class: 'resolution', dataset: {resolution: c.resolution, resolvedBy: c.resolved_by}},
        text(lang, 'conflicts.resolved_by', {
          user: c.resolved_by || kNone,
          how: choice(lang, 'conflicts.resolution', c.resolution),
        }));
  }
}
