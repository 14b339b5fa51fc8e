// The office console's page script: sign-in, the language, and the pages after sign-in
// (Today, Arrears, the door-by-door worklist, Conflicts, Refused changes, Devices and
// people, Repairs and complaints, a household's maintenance file), one per hash route
// (#/today, the default, #/arrears, #/worklist, #/conflicts, #/refused, #/people,
// #/repairs, #/household). Every value from the server is put in the page as text
// (textContent, dom.js), never as markup: names and notes are typed by people.
import {AccessPage} from '/console/access.js';
import {call} from '/console/api.js';
import {ArrearsPage} from '/console/arrears.js';
import {ConflictsPage} from '/console/conflicts.js';
import {FieldworkPage} from '/console/fieldwork.js';
import {HouseholdFilePage} from '/console/household_file.js';
import {chosenLanguage, text} from '/console/i18n.js';
import {ImportPage} from '/console/import.js';
import {showCounts} from '/console/nav_counts.js';
import {PatrolPage} from '/console/patrol.js';
import {PeoplePage} from '/console/people.js';
import {RefusedPage} from '/console/refused.js';
import {RepairsPage} from '/console/repairs.js';
import {TodayPage} from '/console/today.js';
import {WorklistPage} from '/console/worklist.js';

let lang = chosenLanguage();
let session = null;     // {user, role, csrf} once signed in
let signInToken = '';   // the server's CSRF token for a sign-in, while signed out
let shownRoute = null;  // the hash of the page shown, once signed in

const $ = (id) => document.getElementById(id);

const host = {
  lang: () => lang,
  session: () => session,
  signedOut: async () => {
    await loadSession();
    render();
  },
  countsChanged: () => showCounts(),
};
const pages = {
  today: new TodayPage($('page-today'), host),
  arrears: new ArrearsPage($('page-arrears'), host),
  worklist: new WorklistPage($('page-worklist'), host),
  fieldwork: new FieldworkPage($('page-fieldwork'), host),
  patrol: new PatrolPage($('page-patrol'), host),
  conflicts: new ConflictsPage($('page-conflicts'), host),
  refused: new RefusedPage($('page-refused'), host),
  people: new PeoplePage($('page-people'), host),
  import: new ImportPage($('page-import'), host),
  access: new AccessPage($('page-access'), host),
  repairs: new RepairsPage($('page-repairs'), host),
  household: new HouseholdFilePage($('page-household'), host),
};

// The page and parameters of the hash: #/arrears?more_than_years=1 is arrears, {more_than_years: 1}.
function route() {
  const [path, search = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
  const name = Object.hasOwn(pages, path) ? path : 'today';
  return {name, params: new URLSearchParams(search)};
}

function render() {
  document.documentElement.lang = lang;
  document.title = text(lang, 'app.title');
  for (const element of document.querySelectorAll('[data-text]')) {
    element.textContent = text(lang, element.dataset.text);
  }
  $('lang-switch').textContent = text(lang, 'lang.other');
  $('signin-form').hidden = session !== null;
  $('home').hidden = session === null;
  $('signout').hidden = session === null;
  $('whoami').textContent = session ?
      text(lang, 'whoami', {user: session.user, role: text(lang, `role.${session.role}`)}) :
      '';
  renderPages();
  followChanges();
}

// While signed in, the server's event stream (GET /v1/office/events) says when something
// was written: the counts beside the navigation and a live page (Today) load again, a
// second after the first change of a burst (one update for all of them). The browser
// opens the stream again by itself when it drops.
let changes = null;
let changeTimer = null;
function followChanges() {
  if (session === null) {
    changes?.close();
    changes = null;
    return;
  }
  if (changes !== null) return;
  changes = new EventSource('/v1/office/events');
  changes.addEventListener('change', () => {
    if (changeTimer !== null) return;  // one update covers the changes of its second
    changeTimer = setTimeout(() => {
      changeTimer = null;
      showCounts();
      const page = pages[route().name];
      if (page.live) page.refresh();
    }, 1000);
  });
}

function renderPages() {
  const {name} = route();
  for (const [pageName, page] of Object.entries(pages)) {
    page.container.hidden = session === null || pageName !== name;
  }
  for (const link of document.querySelectorAll('#nav a')) {
    const current = link.dataset.route === name ||
        (name === 'worklist' && link.dataset.route === 'arrears') ||
        (name === 'household' && link.dataset.route === 'repairs');
    if (current) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  $('page-title').textContent = text(lang, pages[name].titleKey);
  if (session === null) {
    shownRoute = null;
    return;
  }
  if (shownRoute !== window.location.hash) {
    shownRoute = window.location.hash;
    const {params} = route();
    pages[name].show(params);
    showCounts();
  } else {
    pages[name].render();
  }
}

async function signIn(event) {
  event.preventDefault();
  const {status, answer, retryAfter} = await call('POST', '/v1/office/session', {
    body: {user: $('signin-name').value, password: $('signin-password').value},
    csrf: signInToken,
  });
  $('signin-password').value = '';
  if (status === 200) {
    session = answer;
    $('signin-error').textContent = '';
  } else if (status === 401) {
    $('signin-error').textContent = text(lang, 'signin.failed');
  } else if (status === 429) {
    const minutes = Math.max(1, Math.ceil(retryAfter / 60));
    $('signin-error').textContent = text(lang, 'signin.locked', {minutes});
  } else {
    $('signin-error').textContent =
        text(lang, 'signin.error', {message: answer?.error?.message ?? status});
    await loadSession();  // a sign-in token that ran out is replaced
  }
  render();
}

// Who is signed in; when nobody is, the token a sign-in must send back.
async function loadSession() {
  const {status, answer} = await call('GET', '/v1/office/session');
  session = status === 200 ? answer : null;
  signInToken = status === 401 && answer ? answer.csrf || '' : '';
}

async function signOut() {
  await call('DELETE', '/v1/office/session', {csrf: session?.csrf});
  await loadSession();
  render();
}

$('lang-switch').addEventListener('click', () => {
  lang = lang === 'en' ? 'zh-CN' : 'en';
  window.localStorage.setItem('fieldsync.lang', lang);
  render();
});
$('signin-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', renderPages);

await loadSession();
render();
document.body.dataset.ready = 'true';
