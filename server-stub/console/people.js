// The page "Devices and people" (GET /v1/office/people): the users with their roles and
// assignments, and the phones with their last sync. An office manager also changes them
// here: adds a user or changes a role, deactivates, assigns and unassigns estates and
// buildings, revokes and re-admits phones, and issues enrollment codes. A one-time code
// (a new phone's, a re-admitted phone's) is shown once, with the QR code a phone scans,
// and is gone when the page is left: the server never shows it again.
// Route: #/people. The office role sees the same page without the buttons; the server
// refuses its writes in any case.
import {call} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {kNone} from '/console/format.js';
import {text} from '/console/i18n.js';
import {Page, section} from '/console/page.js';

const kSvgNamespace = 'http://www.w3.org/2000/svg';

// The server's QR code (an SVG document of rectangles only) as a node of this page:
// parsed as XML by DOMParser and imported, never written as markup into the page.
function importedSvg(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== kSvgNamespace || root.localName !== 'svg' ||
      doc.getElementsByTagName('parsererror').length > 0) {
    return null;
  }
  return document.importNode(root, true);
}

function roleName(lang, role) {
  const key = `role.${role}`;
  const shown = text(lang, key);
  return shown === key ? role : shown;
}

export class PeoplePage extends Page {
  titleKey = 'people.title';

  constructor(container, host) {
    super(container, host);
    this.shownCode = null;    // the one-time code of the last action, shown once
    this.actionError = null;  // the server's refusal of the last action
    this.busy = false;
  }

  get manager() { return this.host.session()?.role === 'office_manager'; }

  show() {
    this.shownCode = null;
    this.actionError = null;
    return this.fetchAndRender('/v1/office/people');
  }

  // A write: on success the page loads again (keeping a code to show); a refusal is
  // shown as the server's message, and nothing changed.
  async change(method, path, body, {showsCode = false} = {}) {
    if (this.busy) return;
    this.busy = true;
    this.actionError = null;
    this.shownCode = null;
    this.render();
    let result;
    try {
      result = await call(method, path, {body, csrf: this.host.session()?.csrf});
    } catch (error) {
      result = {status: 0, answer: {error: {message: String(error.message || error)}}};
    }
    this.busy = false;
    if (result.status === 401) {
      this.host.signedOut();
      return;
    }
    if (result.status !== 200) {
      this.actionError = result.answer?.error?.message ?? `HTTP ${result.status}`;
      this.render();
      return;
    }
    if (showsCode) this.shownCode = result.answer;
    await this.fetchAndRender('/v1/office/people');
  }

  controls() {
    const lang = this.lang;
    const parts = [];
    if (this.actionError) {
      parts.push(
          el('p', {id: 'people-error', class: 'error', role: 'alert'},
             text(lang, 'people.refused', {message: this.actionError})));
    }
    if (this.shownCode) parts.push(this.codePanel());
    return parts;
  }

  // The one-time code, until when, and its QR code; the server never shows it again.
  codePanel() {
    const lang = this.lang;
    const c = this.shownCode;
    const qr = importedSvg(c.qr_svg || '');
    if (qr) qr.setAttribute('class', 'qr');
    const heading = c.device ? text(lang, 'people.readmit_code', {device: c.device}) :
                               text(lang, 'people.enroll_code', {user: c.user});
    return el(
        'section', {id: 'one-time-code', class: 'panel one-time-code', dataset: {code: c.code}},
        el('h3', {}, heading), el('p', {class: 'code', id: 'one-time-code-text'}, c.code),
        el('p', {}, text(lang, 'people.code_expires', {expires_at: c.expires_at})),
        el('div', {id: 'one-time-qr'}, qr || el('p', {class: 'error'}, text(lang, 'people.no_qr'))),
        el('p', {class: 'uri'}, c.enroll_uri),
        el('p', {class: 'hint'}, text(lang, 'people.code_once')),
        el('button', {
          type: 'button',
          id: 'hide-code',
          onclick: () => {
            this.shownCode = null;
            this.render();
          }
        },
           text(lang, 'people.hide_code')));
  }

  draw() {
    return [
      this.manager ? this.addUserForm() : null,
      section(text(this.lang, 'people.users'), this.usersTable()),
      section(text(this.lang, 'people.devices'), this.devicesTable()),
    ];
  }

  addUserForm() {
    const lang = this.lang;
    const name = el('input', {id: 'new-user-name', name: 'name', required: true, maxlength: 64});
    const role =
        el('select', {id: 'new-user-role', name: 'role'},
           this.data.roles.map((r) => el('option', {value: r}, roleName(lang, r))));
    return el(
        'form', {
          id: 'add-user',
          class: 'filters',
          onsubmit: (event) => {
            event.preventDefault();
            this.change('POST', '/v1/office/users', {name: name.value.trim(), role: role.value});
          }
        },
        el('label', {}, el('span', {}, text(lang, 'people.name')), name),
        el('label', {}, el('span', {}, text(lang, 'people.role')), role),
        el('button', {type: 'submit', disabled: this.busy}, text(lang, 'people.add_user')));
  }

  usersTable() {
    const lang = this.lang;
    const rows = this.data.users.map((u) => ({
                                       attributes: {dataset: {user: u.name, active: u.active}},
                                       cells: [
                                         u.name,
                                         roleName(lang, u.role),
                                         text(lang, u.active ? 'people.active' : 'people.inactive'),
                                         this.assignmentsCell(u),
                                         this.manager && u.active ? this.userActions(u) : '',
                                       ],
                                     }));
    return table(
        [
          text(lang, 'people.name'), text(lang, 'people.role'), text(lang, 'people.state'),
          text(lang, 'people.assignments'), ''
        ],
        rows, {attributes: {id: 'users'}});
  }

  assignmentsCell(user) {
    const lang = this.lang;
    const items = user.assignments.map(
        (a) =>
            el('li', {dataset: {kind: a.kind, target: a.target}},
               text(lang, `people.kind_${a.kind}`, {label: a.label}),
               this.manager ? el('button', {
                 type: 'button',
                 class: 'unassign small',
                 title: text(lang, 'people.unassign'),
                 'aria-label': text(lang, 'people.unassign'),
                 disabled: this.busy,
                 onclick: () => this.change(
                     'DELETE', '/v1/office/assignments',
                     {user: user.name, kind: a.kind, target: a.target}),
               },
                                 '×') :
                              null));
    const list = items.length ? el('ul', {class: 'assignments'}, items) : kNone;
    return this.manager && user.active ? [list, this.assignPicker(user)] : list;
  }

  // A picker of the estates and buildings, and its button.
  assignPicker(user) {
    const lang = this.lang;
    const options = (kind, places) => places.map(
        (p) =>
            el('option', {value: `${kind} ${p.id}`},
               text(lang, `people.kind_${kind}`, {label: p.label})));
    const picker =
        el('select', {class: 'assign-target', 'aria-label': text(lang, 'people.assign')},
           options('estate', this.data.estates), options('building', this.data.buildings));
    return el(
        'span', {class: 'assign'}, picker,
        el('button', {
          type: 'button',
          class: 'assign small',
          disabled: this.busy || picker.options.length === 0,
          onclick: () => {
            const [kind, target] = picker.value.split(' ');
            this.change('POST', '/v1/office/assignments', {user: user.name, kind, target});
          },
        },
           text(lang, 'people.assign')));
  }

  userActions(user) {
    const lang = this.lang;
    const button = (className, key, action) =>
        el('button', {type: 'button', class: className, disabled: this.busy, onclick: action},
           text(lang, key));
    return el(
        'span', {class: 'actions'},
        button(
            'enroll-code', 'people.new_code',
            () => this.change(
                'POST', '/v1/office/enrollment-codes', {user: user.name}, {showsCode: true})),
        user.name === this.host.session()?.user ?
            null :
            button(
                'deactivate', 'people.deactivate',
                () => this.change('POST', '/v1/office/users/deactivate', {name: user.name})));
  }

  devicesTable() {
    const lang = this.lang;
    const rows =
        this.data.devices.map((d) => ({
                                attributes: {dataset: {device: d.device, revoked: d.revoked}},
                                cells: [
                                  d.device,
                                  d.user,
                                  d.last_seen_at || text(lang, 'device.never'),
                                  String(d.last_change),
                                  d.enrolled_at || kNone,
                                  text(lang, d.revoked ? 'people.revoked' : 'people.admitted'),
                                  this.manager ? this.deviceAction(d) : '',
                                ],
                              }));
    return table(
        [
          text(lang, 'device.code'), text(lang, 'device.user'), text(lang, 'device.last_seen'),
          text(lang, 'people.last_change'), text(lang, 'people.enrolled_at'),
          text(lang, 'people.state'), ''
        ],
        rows, {numeric: [3], attributes: {id: 'devices'}});
  }

  deviceAction(device) {
    const lang = this.lang;
    if (device.revoked) {
      return el(
          'button', {
            type: 'button',
            class: 'readmit',
            disabled: this.busy,
            onclick: () => this.change(
                'POST', '/v1/office/devices/readmit', {device: device.device}, {showsCode: true}),
          },
          text(lang, 'people.readmit'));
    }
    return el(
        'button', {
          type: 'button',
          class: 'revoke',
          disabled: this.busy,
          onclick: () => this.change('POST', '/v1/office/devices/revoke', {device: device.device}),
        },
        text(lang, 'people.revoke'));
  }
}
