// "More" under a list of the console's paging contract ({items, total, next_cursor},
// docs/console.md "Paging"): the next page, added under the items shown. The page gives
// path({cursor}) for a page of its list; an answer that arrives after the page was shown
// again (a new route) is dropped.
import {load} from '/console/api.js';
import {el} from '/console/dom.js';
import {text} from '/console/i18n.js';

export class MorePager {
  constructor(page, buttonId) {
    this.page = page;
    this.buttonId = buttonId;
    this.loadingGeneration = null;  // the page's generation while its next page loads
  }

  get loading() { return this.loadingGeneration === this.page.generation; }

  async more() {
    const page = this.page;
    if (!page.data?.next_cursor || this.loading) return;
    const generation = page.generation;
    this.loadingGeneration = generation;
    page.render();
    const result = await load(page.path({cursor: page.data.next_cursor}));
    if (generation !== page.generation) return;
    this.loadingGeneration = null;
    if (result.status === 401) {
      page.host.signedOut();
      return;
    }
    if (result.error) {
      page.error = result.error;
    } else {
      page.data = {...result.data, items: [...page.data.items, ...result.data.items]};
    }
    page.render();
  }

  // The line under the list: `summary`, and "More" while there is a next page.
  footer(summary) {
    const lang = this.page.lang;
    return el(
        'p', {class: 'paging'}, summary, ' ',
        this.page.data.next_cursor ? el('button', {
          type: 'button',
          id: this.buttonId,
          disabled: this.loading,
          onclick: () => this.more(),
        },
                                        text(lang, this.loading ? 'page.loading' : 'page.more')) :
                                     null);
  }
}
