// The office console's page script. Every value from the server is put in the page as
// text (textContent), never as markup: names and notes are typed by people.
import {chosenLanguage, text} from '/console/i18n.js';

let lang = chosenLanguage();
let session = null;  // {user, role, csrf} once signed in
let signInToken = '';  // the server's CSRF token for a sign-in, while signed out

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
  $('whoami').textContent = session ?
      text(lang, 'whoami', {user: session.user, role: text(lang, `role.${session.role}`)}) :
      '';
}

async function call(method, path, body) {
  const headers = {'Content-Type': 'application/json'};
  const csrf = session ? session.csrf : signInToken;
  if (csrf) headers['X-CSRF-Token'] = csrf;
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
  const retryAfter = Number(response.headers.get('Retry-After') || 0);
  return {status: response.status, answer, retryAfter};
}

async function signIn(event) {
  event.preventDefault();
  const {status, answer, retryAfter} = await call('POST', '/v1/office/session', {
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
  await call('DELETE', '/v1/office/session');
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

await loadSession();
render();
document.body.dataset.ready = 'true';
