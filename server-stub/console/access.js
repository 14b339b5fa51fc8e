// The page "Access" of office managers: a console user's new password, the API tokens
// scripts call the API with (issued for a console user, the token shown once; revoked
// here), and the audit log of every change, newest first, a page at a time.
// Route: #/access. The office role sees a note instead; the server refuses its calls in
// any case (GET /v1/office/tokens and /v1/office/audit are for managers). What a
// password must be is the server's rule alone: the page shows its refusal.
import {load, query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {kNone} from '/console/format.js';
import {text} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {Page, section} from '/console/page.js';

export class AccessPage extends Page {
  titleKey = 'access.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'audit-more');
    this.notice = null;      // {kind: 'error' | 'done', message}: the last action's outcome
    this.shownToken = null;  // the token just issued, shown once
    this.busy = false;
  }

  get manager() { return this.host.session()?.role === 'office_manager'; }

  // The audit log's page after `cursor` (the pager's path).
  path({cursor} = {}) { return `/v1/office/audit${query({cursor}, ['cursor'])}`; }

  show() {
    this.notice = null;
    this.shownToken = null;
    return this.reload();
  }

  reload() {
    if (!this.manager) {
      this.data = {};
      this.error = null;
      this.render();
      return Promise.resolve(this.data);
    }
    return this.fetchAndRender(async () => {
      const [people, tokens, audit] = await Promise.all(
          [load('/v1/office/people'), load('/v1/office/tokens?limit=500'), load(this.path())]);
      const failed = [people, tokens, audit].find((r) => r.status !== 200);
      if (failed) return failed;
      return {
        status: 200,
        data: {
          users: people.data.users.filter((u) => u.active && u.role.startsWith('office')),
          tokens: tokens.data.items,
          items: audit.data.items,
          total: audit.data.total,
          next_cursor: audit.data.next_cursor,
        },
      };
    });
  }

  async act(method, path, body, done) {
    if (this.busy) return;
    this.busy = true;
    this.notice = null;
    this.shownToken = null;
    this.render();
    const result = await this.send(method, path, body);
    this.busy = false;
    if (result.signedOut) return;
    if (result.error) {
      this.notice = {
        kind: 'error',
        message: text(this.lang, 'access.refused', {message: result.error})
      };
      this.render();
      return;
    }
    done(result.answer);
    await this.reload();
  }

  controls() {
    if (!this.notice) return [];
    return el(
        'p', {
          id: 'access-notice',
          class: this.notice.kind === 'error' ? 'error' : 'done',
          role: this.notice.kind === 'error' ? 'alert' : 'status',
        },
        this.notice.message);
  }

  draw() {
    const lang = this.lang;
    if (!this.manager)
      return el(
          'p', {class: 'hint', id: 'access-managers-only'}, text(lang, 'access.managers_only'));
    return [
      section(text(lang, 'access.password'), this.passwordForm()),
      section(
          text(lang, 'access.tokens'), el('p', {class: 'hint'}, text(lang, 'access.tokens_how')),
          this.shownToken ? this.tokenPanel() : null, this.tokenForm(), this.tokensTable()),
      section(
          text(lang, 'access.audit'), this.auditTable(),
          this.pager.footer(text(
              lang, 'access.audit_shown',
              {shown: this.data.items.length, total: this.data.total}))),
    ];
  }

  userPicker(id) {
    return el(
        'select', {id, required: true},
        this.data.users.map((u) => el('option', {value: u.name}, u.name)));
  }

  passwordForm() {
    const lang = this.lang;
    const user = this.userPicker('password-user');
    const first =
        el('input',
           {id: 'password-new', type: 'password', autocomplete: 'new-password', required: true});
    const again =
        el('input',
           {id: 'password-again', type: 'password', autocomplete: 'new-password', required: true});
    return el(
        'form', {
          id: 'set-password',
          class: 'filters',
          onsubmit: (event) => {
            event.preventDefault();
            if (first.value !== again.value) {
              this.notice = {kind: 'error', message: text(lang, 'access.password_mismatch')};
              this.render();
              return;
            }
            const name = user.value;
            this.act('POST', '/v1/office/passwords', {user: name, password: first.value}, () => {
              this.notice = {
                kind: 'done',
                message: text(this.lang, 'access.password_set', {user: name})
              };
            });
          },
        },
        el('label', {}, el('span', {}, text(lang, 'access.user')), user),
        el('label', {}, el('span', {}, text(lang, 'access.new_password')), first),
        el('label', {}, el('span', {}, text(lang, 'access.password_again')), again),
        el('button', {type: 'submit', disabled: this.busy}, text(lang, 'access.set_password')),
        el('p', {class: 'hint'}, text(lang, 'access.password_ends_sessions')));
  }

  tokenForm() {
    const lang = this.lang;
    const user = this.userPicker('token-user');
    const name = el('input', {id: 'token-name', required: true, maxlength: 200});
    return el(
        'form', {
          id: 'issue-token',
          class: 'filters',
          onsubmit: (event) => {
            event.preventDefault();
            this.act(
                'POST', '/v1/office/tokens', {user: user.value, name: name.value.trim()},
                (answer) => {
                  this.shownToken = answer;
                });
          },
        },
        el('label', {}, el('span', {}, text(lang, 'access.acts_as')), user),
        el('label', {}, el('span', {}, text(lang, 'access.token_name')), name),
        el('button', {type: 'submit', disabled: this.busy}, text(lang, 'access.issue_token')));
  }

  // The token just issued: the server keeps only its hash and never shows it again.
  tokenPanel() {
    const lang = this.lang;
    const t = this.shownToken;
    return el(
        'section', {id: 'new-token', class: 'panel one-time-code', dataset: {token: t.id}},
        el('h3', {}, text(lang, 'access.token_for', {name: t.name, user: t.user})),
        el('p', {class: 'code', id: 'new-token-text'}, t.token),
        el('p', {class: 'hint'}, text(lang, 'access.token_once')),
        el('button', {
          type: 'button',
          id: 'hide-token',
          onclick: () => {
            this.shownToken = null;
            this.render();
          }
        },
           text(lang, 'access.hide_token')));
  }

  tokensTable() {
    const lang = this.lang;
    if (this.data.tokens.length === 0)
      return el('p', {id: 'no-tokens'}, text(lang, 'access.no_tokens'));
    const rows = this.data.tokens
                     .map((t) => ({
                            attributes: {dataset: {token: t.id, revoked: t.revoked_at !== null}},
                            cells: [
                              t.name,
                              t.user,
                              t.issued_by,
                              t.issued_at,
                              t.last_used_at || text(lang, 'access.never_used'),
                              t.revoked_at ? text(lang, 'access.revoked_at', {at: t.revoked_at}) :
                                             el('button', {
                                               type: 'button',
                                               class: 'revoke-token',
                                               disabled: this.busy,
                                               onclick: () => this.act(
                                                   'POST', '/v1/office/tokens/revoke', {id: t.id},
                                                   () => {
                                                     this.notice = {
                                                       kind: 'done',
                                                       message: text(
                                                           this.lang, 'access.token_revoked',
                                                           {name: t.name})
                                                     };
                                                   }),
                                             },
                                                text(lang, 'access.revoke')),
                            ],
                          }));
    return table(
        ['token_name', 'acts_as', 'issued_by', 'issued_at', 'last_used', 'state'].map(
            (k) => text(lang, `access.${k}`)),
        rows, {attributes: {id: 'tokens'}});
  }

  auditTable() {
    const lang = this.lang;
    const rows = this.data.items.map(
        (e) => ({
          attributes: {dataset: {audit: e.id, action: e.action}},
          cells: [e.at, e.user, this.actionName(e.action), e.detail || kNone, e.address],
        }));
    return table(
        ['at', 'user', 'action', 'detail', 'address'].map((k) => text(lang, `access.audit_${k}`)),
        rows, {attributes: {id: 'audit'}});
  }

  // An action as people say it; its own name when the catalogue has none.
  actionName(action) {
    const key = `audit.${action}`;
    const shown = text(this.lang, key);
    return shown === key ? action : shown;
  }
}
