// The page Refused changes (GET /v1/office/refused): the changes the server refused from
// the phones (a payment over the estate's maximum, a door that does not exist), kept
// whole, oldest first, with what they are, why they were refused, who sent them and when,
// and their fields as sent. The office settles each one here:
//   - Accept: the fields open as text to correct, as people write them (money "150.00");
//     only the fields changed are sent as corrections, with a note
//     (POST /v1/office/refused/accept);
//   - Void: with a note, which the phone shows (POST /v1/office/refused/void); the page
//     asks for the note before sending.
// The phone's parked entry clears at its next sync. A settled change stays in the list,
// saying how and by whom; a refusal is shown in the change as the server's message.
// Route: #/refused?state=open|all (open when left out).
import {query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {choice, kNone} from '/console/format.js';
import {text} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {Page} from '/console/page.js';

const kStates = ['open', 'all'];
const kPageSize = 50;

// The fields of a refused change as people write them (name -> text), as the server
// writes them from the collection's declaration.
function sentTexts(r) { return {...(r.fields_text || {})}; }

export class RefusedPage extends Page {
  titleKey = 'refused.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'refused-more');
    this.busy = new Set();    // ids being settled
    this.opened = new Map();  // id -> 'accept' or 'void': the form shown
    this.drafts = new Map();  // id -> {fields: {name: text}, note}: what is typed in it
    this.errors = new Map();  // id -> {key, message}: why the last try was refused
  }

  show(params) {
    this.state = params.get('state') === 'all' ? 'all' : 'open';
    for (const kept of [this.busy, this.opened, this.drafts, this.errors]) kept.clear();
    return this.fetchAndRender(this.path({}));
  }

  path(extra) {
    return `/v1/office/refused${
        query({state: this.state, limit: kPageSize, ...extra}, ['state', 'limit', 'cursor'])}`;
  }

  openForm(r, action) {
    this.opened.set(r.id, action);
    this.drafts.set(r.id, {fields: sentTexts(r), note: ''});
    this.errors.delete(r.id);
    this.render();
  }

  closeForm(r) {
    this.opened.delete(r.id);
    this.drafts.delete(r.id);
    this.errors.delete(r.id);
    this.render();
  }

  async settle(r, action) {
    if (this.busy.has(r.id)) return;
    const draft = this.drafts.get(r.id);
    const note = draft.note.trim();
    if (action === 'void' && note === '') {
      this.errors.set(r.id, {key: 'refused.note_required'});
      this.render();
      return;
    }
    const body = {id: r.id, note};
    if (action === 'accept') {
      const sent = sentTexts(r);
      body.corrections = Object.fromEntries(
          Object.entries(draft.fields).filter(([name, typed]) => typed !== sent[name]));
    }
    const generation = this.generation;
    this.busy.add(r.id);
    this.errors.delete(r.id);
    this.render();
    const result = await this.send('POST', `/v1/office/refused/${action}`, body);
    if (generation !== this.generation || result.signedOut) return;
    this.busy.delete(r.id);
    if (result.error) {
      this.errors.set(r.id, {key: 'refused.server_refused', message: result.error});
    } else {
      this.opened.delete(r.id);
      this.drafts.delete(r.id);
      this.data.items = this.data.items.map((item) => (item.id === r.id ? result.answer : item));
      this.host.countsChanged();
    }
    this.render();
  }

  controls() {
    const lang = this.lang;
    const state =
        el('select', {id: 'refused-state', name: 'state'},
           kStates.map(
               (s) =>
                   el('option', {value: s, selected: s === this.state},
                      text(lang, `refused.state_${s}`))));
    state.addEventListener('change', () => {
      window.location.hash =
          `#/refused${query({state: state.value === 'open' ? '' : state.value}, ['state'])}`;
    });
    return el(
        'form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
        el('label', {}, el('span', {}, text(lang, 'refused.show')), state));
  }

  draw() {
    const lang = this.lang;
    const d = this.data;
    return [
      d.items.length === 0 ? el('p', {}, text(lang, `refused.none_${this.state}`)) :
                             el('div', {id: 'refused'}, d.items.map((r) => this.change(r))),
      this.pager.footer(text(lang, 'refused.shown', {shown: d.items.length, total: d.total})),
    ];
  }

  change(r) {
    const lang = this.lang;
    const form = this.opened.get(r.id);
    const error = this.errors.get(r.id);
    return el(
        'article', {class: 'refused', dataset: {refused: r.id, refusedState: r.state}},
        el('h3', {class: 'what'}, r.what || choice(lang, 'collection', r.collection)),
        el('p', {class: 'reason'}, text(lang, 'refused.reason', {reason: r.reason})),
        el('p', {class: 'who'}, text(lang, 'refused.who', {
             user: r.user || kNone,
             device: r.device || kNone,
             at: r.refused_at,
             collection: choice(lang, 'collection', r.collection),
           })),
        form === 'accept' ? this.acceptForm(r) : this.sentFields(r),
        form === 'void' ? this.voidForm(r) : null,
        r.state === 'open' && !form ? this.actions(r) : null,
        r.state !== 'open' ? this.settled(r) : null,
        error ? el('p', {class: 'error', role: 'alert'},
                   text(lang, error.key, {message: error.message})) :
                null);
  }

  sentFields(r) {
    const lang = this.lang;
    const rows = Object.entries(sentTexts(r))
                     .map(([name, shown]) => ({
                            attributes: {dataset: {field: name}},
                            cells: [choice(lang, 'field', name), shown === '' ? kNone : shown],
                          }));
    return table(
        [text(lang, 'refused.field'), text(lang, 'refused.as_sent')], rows,
        {attributes: {class: 'sent-fields'}});
  }

  actions(r) {
    const lang = this.lang;
    return el(
        'p', {class: 'actions'},
        el('button', {type: 'button', class: 'accept', onclick: () => this.openForm(r, 'accept')},
           text(lang, 'refused.accept')),
        el('button', {type: 'button', class: 'void', onclick: () => this.openForm(r, 'void')},
           text(lang, 'refused.void')));
  }

  // A text input of the draft, kept in it as it is typed (so drawing again keeps it).
  draftInput(r, attributes, read, write) {
    return el('input', {
      ...attributes,
      value: read(this.drafts.get(r.id)),
      oninput: (e) => write(this.drafts.get(r.id), e.target.value),
    });
  }

  noteInput(r) {
    return this.draftInput(
        r, {name: 'note', class: 'note', maxlength: 1000}, (d) => d.note, (d, v) => {
          d.note = v;
        });
  }

  formButtons(r, submitKey) {
    const lang = this.lang;
    return el(
        'p', {class: 'actions'},
        el('button', {type: 'submit', class: 'confirm', disabled: this.busy.has(r.id)},
           text(lang, submitKey)),
        el('button', {type: 'button', class: 'cancel', onclick: () => this.closeForm(r)},
           text(lang, 'refused.cancel')));
  }

  acceptForm(r) {
    const lang = this.lang;
    const fields =
        Object.keys(this.drafts.get(r.id).fields)
            .map(
                (name) =>
                    el('label', {}, el('span', {}, choice(lang, 'field', name)),
                       this.draftInput(
                           r, {name, dataset: {field: name}}, (d) => d.fields[name], (d, v) => {
                             d.fields[name] = v;
                           })));
    return el(
        'form', {
          class: 'accept-form',
          onsubmit: (event) => {
            event.preventDefault();
            this.settle(r, 'accept');
          },
        },
        el('p', {class: 'hint'}, text(lang, 'refused.accept_hint')), fields,
        el('label', {}, el('span', {}, text(lang, 'refused.note')), this.noteInput(r)),
        this.formButtons(r, 'refused.accept_confirm'));
  }

  voidForm(r) {
    const lang = this.lang;
    return el(
        'form', {
          class: 'void-form',
          onsubmit: (event) => {
            event.preventDefault();
            this.settle(r, 'void');
          },
        },
        el('label', {}, el('span', {}, text(lang, 'refused.void_note')), this.noteInput(r)),
        this.formButtons(r, 'refused.void_confirm'));
  }

  settled(r) {
    const lang = this.lang;
    const how = r.state === 'accepted' ? 'refused.accepted_by' : 'refused.voided_by';
    return el(
        'p',
        {class: 'settled', dataset: {settledBy: r.settled_by, acceptedRecord: r.accepted_record}},
        text(lang, how, {user: r.settled_by || kNone, at: r.settled_at || kNone}),
        r.note ? [' ', text(lang, 'refused.with_note', {note: r.note})] : null);
  }
}
