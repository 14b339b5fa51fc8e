// The office console's page script. Every value from the server is put in the page as
// text (textContent), never as markup: names and notes are typed by people.
import {chosenLanguage, text} from '/console/i18n.js';

let lang = chosenLanguage();
let session = null;  // {user, role, csrf} once signed in

const $ = (id) => document.getElementById(id);

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
  $('whoami').textContent = session ? text(lang, 'whoami', session) : '';
}

async function call(method, path, body) {
  const headers = {'Content-Type': 'application/json'};
  if (session) headers['X-CSRF-Token'] = session.csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  return {status: response.status, answer};
}

async function signIn(event) {
  event.preventDefault();
  const {status, answer} = await call('POST', '/v1/office/session', {
    user: $('signin-name').value,
    password: $('signin-password').value,
  });
  $('signin-password').value = '';
  if (status === 200) {
    session = answer;
    $('signin-error').textContent = '';
  } else if (status === 401) {
    $('signin-error').textContent = text(lang, 'signin.failed');
  } else if (status === 429) {
    const minutes = Math.max(1, Math.ceil((answer?.error?.retry_after_s ?? 60) / 60));
    $('signin-error').textContent = text(lang, 'signin.locked', {minutes});
  } else {
    $('signin-error').textContent =
        text(lang, 'signin.error', {message: answer?.error?.message ?? status});
  }
  render();
}

async function signOut() {
  await call('DELETE', '/v1/office/session');
  session = null;
  render();
}

$('lang-switch').addEventListener('click', () => {
  lang = lang === 'en' ? 'zh-CN' : 'en';
  window.localStorage.setItem('fieldsync.lang', lang);
  render();
});
$('signin-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);

const me = await call('GET', '/v1/office/session');
session = me.status === 200 ? me.answer : null;
render();
document.body.dataset.ready = 'true';
