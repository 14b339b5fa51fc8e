// The console's message catalogue: every string a page shows, in English and Chinese.
// A page names a string by its key (data-text="signin.title"); text() fills in {name}s.
export const catalogue = {
  en: {
    'app.title': 'fieldsync office',
    'lang.other': '中文',
    'signin.title': 'Sign in',
    'signin.name': 'User name',
    'signin.password': 'Password',
    'signin.submit': 'Sign in',
    'signin.out': 'Sign out',
    'signin.failed': 'The name or the password is wrong.',
    'signin.locked': 'Too many failed sign-ins: try again in {minutes} minutes.',
    'signin.error': 'The server could not sign you in: {message}',
    'whoami': '{user} ({role})',
    'role.office': 'office',
    'role.office_manager': 'office manager',
    'home.title': 'Today',
    'home.soon': 'The office\'s pages come here.',
  },
  'zh-CN': {
    'app.title': 'fieldsync 物业办公',
    'lang.other': 'English',
    'signin.title': '登录',
    'signin.name': '用户名',
    'signin.password': '密码',
    'signin.submit': '登录',
    'signin.out': '退出',
    'signin.failed': '用户名或密码错误。',
    'signin.locked': '登录失败次数过多，请 {minutes} 分钟后再试。',
    'signin.error': '服务器无法登录：{message}',
    'whoami': '{user}（{role}）',
    'role.office': '办公室',
    'role.office_manager': '办公室主管',
    'home.title': '今日',
    'home.soon': '办公页面将在此显示。',
  },
};

// The language the browser asks for, or the one chosen before with the switch.
export function chosenLanguage() {
  const saved = window.localStorage.getItem('fieldsync.lang');
  if (saved && catalogue[saved]) return saved;
  const asked = navigator.languages && navigator.languages.length ? navigator.languages :
                                                                    [navigator.language];
  for (const lang of asked) {
    if (lang && lang.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (lang && lang.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

// The string `key` in `lang`, with {name} replaced by values[name]. An unknown key is
// shown as itself, so a missing string is seen, never blank.
export function text(lang, key, values = {}) {
  const template = (catalogue[lang] && catalogue[lang][key]) || catalogue.en[key] || key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}
