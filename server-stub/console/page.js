// What every page of the console shares: it loads its data for the route's parameters,
// keeps it, and draws itself from it again whenever the language changes, without
// asking the server twice. A page marks its container data-state="loading", "ready" or
// "error", so a test (or a person) knows when what is shown is the server's answer.
import {call, load} from '/console/api.js';
import {el} from '/console/dom.js';
import {text} from '/console/i18n.js';

export class Page {
  // `host` gives the page's language (host.lang()) and is told when the session has
  // ended (host.signedOut()).
  constructor(container, host) {
    this.container = container;
    this.host = host;
    this.params = {};
    this.data = null;
    this.error = null;
    this.generation = 0;
  }

  get lang() { return this.host.lang(); }

  // Loads `path` (or runs `loader`, which resolves as api.js's load() does) and draws the
  // page with its answer; an answer that arrives after a later show() is dropped.
  async fetchAndRender(pathOrLoader) {
    const generation = ++this.generation;
    this.data = null;
    this.error = null;
    this.container.dataset.state = 'loading';
    this.render();
    const loader = typeof pathOrLoader === 'string' ? () => load(pathOrLoader) : pathOrLoader;
    this.loader = loader;
    const result = await loader();
    if (generation !== this.generation) return null;
    if (result.status === 401) {
      this.host.signedOut();
      return null;
    }
    this.data = result.data ?? null;
    this.error = result.error ?? null;
    this.render();
    return this.data;
  }

  // Loads what the page shows again and draws it when it comes, showing what it holds
  // meanwhile: a live update, after the server said something changed (console.js). A
  // page that is loading, an answer that comes after a later show(), and a failed one
  // change nothing. Each update counts in data-updates.
  async refresh() {
    if (!this.loader || !this.data) return;
    const generation = this.generation;
    const result = await this.loader();
    if (generation !== this.generation || result.status !== 200 || !result.data) return;
    this.data = result.data;
    this.render();
    this.container.dataset.updates = String(Number(this.container.dataset.updates ?? 0) + 1);
  }

  // A write with the session's CSRF token: resolves with {answer} on 2xx, otherwise with
  // {error, problems} (the server's message, or the status when it sent none, and the
  // problems its error lists, [] when none); when the session has ended the console signs
  // out and it resolves with {signedOut: true}. With `contentType`, `body` is sent as it
  // is (a file's bytes) instead of as JSON.
  async send(method, path, body, {contentType} = {}) {
    let result;
    try {
      result = await call(method, path, {body, contentType, csrf: this.host.session()?.csrf});
    } catch (error) {
      return {error: String(error.message || error)};
    }
    if (result.status === 401) {
      this.host.signedOut();
      return {signedOut: true};
    }
    if (result.status < 200 || result.status > 299) {
      const error = result.answer?.error;
      return {error: error?.message ?? `HTTP ${result.status}`, problems: error?.problems ?? []};
    }
    return {answer: result.answer};
  }

  // Draws the page from what it holds: the subclass's draw() when there is data.
  render() {
    const lang = this.lang;
    const parts = [this.controls ? this.controls() : null];
    if (this.error) {
      parts.push(el(
          'p', {class: 'error', role: 'alert'}, text(lang, 'page.error', {message: this.error})));
    } else if (!this.data) {
      parts.push(el('p', {class: 'loading'}, text(lang, 'page.loading')));
    } else {
      parts.push(this.draw());
    }
    this.container.replaceChildren(...parts.flat(Infinity).filter((p) => p));
    this.container.dataset.state = this.error ? 'error' : this.data ? 'ready' : 'loading';
  }
}

// A figure the tests read: its text shown, its raw value from the server in data-value.
export function figure(name, shown, raw) {
  return el('span', {class: 'figure', dataset: {figure: name, value: raw}}, shown);
}

// A section with a heading.
export function section(heading, ...children) {
  return el('section', {class: 'panel'}, el('h3', {}, heading), children);
}
