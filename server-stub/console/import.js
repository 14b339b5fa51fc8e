// The page "Import" (POST /v1/office/import): an office manager chooses a collection, a
// CSV file and its encoding (UTF-8, or GB18030 as Excel in Chinese saves it) and imports
// it, all rows or none, as `fieldsync-server import` does. The file's bytes are sent as
// they are (File.arrayBuffer), never read as text here: the server decodes them. A
// refused file's problems are listed by line; nothing was imported then.
// Route: #/import. The collections offered are the server's (GET /v1/office/import).
// The office role sees a note instead of the button; the server refuses it in any case.
import {el, table} from '/console/dom.js';
import {text} from '/console/i18n.js';
import {Page, section} from '/console/page.js';

const kEncodings = ['utf-8', 'gb18030'];

// A collection as the page names it: "住户 (households)", or its name when the catalogue
// has no word for it.
function collectionName(lang, name) {
  const key = `import.collection.${name}`;
  const label = text(lang, key);
  return label === key ? name : text(lang, 'import.collection_option', {label, name});
}

export class ImportPage extends Page {
  titleKey = 'import.title';

  constructor(container, host) {
    super(container, host);
    this.outcome = null;  // {imported, collection} or {error, problems} of the last import
    this.busy = false;
    // Kept across drawings, so a file chosen stays chosen when the language changes.
    this.collection = el('select', {id: 'import-collection', name: 'collection'});
    this.encoding = el('select', {id: 'import-encoding', name: 'encoding'});
    this.file =
        el('input', {id: 'import-file', name: 'file', type: 'file', accept: '.csv,text/csv'});
  }

  get manager() { return this.host.session()?.role === 'office_manager'; }

  show() {
    this.outcome = null;
    return this.fetchAndRender('/v1/office/import');
  }

  async importFile() {
    const file = this.file.files[0];
    if (this.busy) return;
    if (!file) {
      this.outcome = {error: text(this.lang, 'import.no_file'), problems: []};
      this.render();
      return;
    }
    this.busy = true;
    this.outcome = null;
    this.render();
    const params = new URLSearchParams({collection: this.collection.value});
    if (this.encoding.value !== 'utf-8') params.set('encoding', this.encoding.value);
    const result = await this.send(
        'POST', `/v1/office/import?${params}`, await file.arrayBuffer(), {contentType: 'text/csv'});
    this.busy = false;
    if (result.signedOut) return;
    this.outcome = result.answer ?
        {imported: result.answer.imported, collection: result.answer.collection} :
        {error: result.error, problems: result.problems ?? []};
    this.render();
  }

  // The pickers' options, in the page's language; what was chosen stays chosen.
  fillPickers() {
    const lang = this.lang;
    const collection = this.collection.value;
    this.collection.replaceChildren(...this.data.collections.map(
        (name) => el('option', {value: name}, collectionName(lang, name))));
    if (collection) this.collection.value = collection;
    const encoding = this.encoding.value || 'utf-8';
    this.encoding.replaceChildren(
        ...kEncodings.map((e) => el('option', {value: e}, text(lang, `import.encoding.${e}`))));
    this.encoding.value = encoding;
  }

  draw() {
    const lang = this.lang;
    this.fillPickers();
    for (const input of [this.collection, this.encoding, this.file]) input.disabled = this.busy;
    const form =
        el('form', {
          id: 'import-form',
          class: 'filters',
          onsubmit: (event) => {
            event.preventDefault();
            this.importFile();
          },
        },
           el('label', {}, el('span', {}, text(lang, 'import.collection')), this.collection),
           el('label', {}, el('span', {}, text(lang, 'import.file')), this.file),
           el('label', {}, el('span', {}, text(lang, 'import.encoding')), this.encoding),
           this.manager ? el('button', {type: 'submit', id: 'import-submit', disabled: this.busy},
                             text(lang, 'import.submit')) :
                          null);
    return [
      el('p', {class: 'hint'}, text(lang, 'import.how')),
      form,
      this.manager ?
          null :
          el('p', {id: 'import-managers-only', class: 'hint'}, text(lang, 'import.managers_only')),
      this.busy ? el('p', {class: 'loading'}, text(lang, 'import.busy')) : null,
      this.outcomePanel(),
    ];
  }

  outcomePanel() {
    const lang = this.lang;
    const o = this.outcome;
    if (!o) return null;
    if (o.error === undefined) {
      return el(
          'p', {id: 'import-result', class: 'summary', dataset: {imported: o.imported}},
          text(
              lang, 'import.done',
              {n: o.imported, collection: collectionName(lang, o.collection)}));
    }
    const rows = o.problems.map(
        (p) => ({attributes: {dataset: {line: p.line}}, cells: [String(p.line), p.message]}));
    return el(
        'div', {id: 'import-refused'},
        el('p', {class: 'error', role: 'alert'}, text(lang, 'import.refused', {message: o.error})),
        rows.length ? section(
                          text(lang, 'import.problems'),
                          table(
                              [text(lang, 'import.line'), text(lang, 'import.problem')], rows,
                              {numeric: [0], attributes: {id: 'import-problems'}})) :
                      null);
  }
}
