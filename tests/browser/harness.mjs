// The harness of the office console's browser tests: a test file calls browserTest()
// once with an async body, and the harness gives that body a temporary folder, the real
// fieldsync-server (office commands, then `serve` on a free loopback port), the field
// command line `fieldsync` (phones that enroll, record payments and visits, and sync)
// and Debian's chromium, headless, driven by puppeteer-core.
//
//   node <name>_test.mjs --server <fieldsync-server> --node-modules <dir> [--screenshots <dir>]
//                        [--field <fieldsync>] [--chromium /usr/bin/chromium] [--keep]
//   node <name>_test.mjs --build <build folder>     (the paths of a ctest build)
//
// Contract: the test passes (exit 0) only when its body returns; any throw, a chromium
// or server that does not start, or the overall deadline (90 s) fails it (exit 1) with
// a message and the server's stderr. It is never skipped. Whatever happens, the servers
// and the browser it started are stopped before the process exits: a finally block with
// bounded waits, and SIGKILL from the 'exit' and signal handlers for whatever is left.
// The temporary folder is removed on success and kept (its path printed) on failure.
//
// Only Node's built-in modules and puppeteer-core, which is loaded from --node-modules
// (npm installs it into the build folder: tests/browser/CMakeLists.txt).
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {basename, join, resolve} from 'node:path';
import {parseArgs} from 'node:util';

const kDeadlineMs = 90_000;
const kServerStartMs = 20_000;
const kStopWaitMs = 5_000;
const kChromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'
];
// navigator.language(s) and the Accept-Language header of each page language.
const kLanguages = {
  en: {locale: 'en-US', acceptLanguage: 'en-US,en'},
  'zh-CN': {locale: 'zh-CN', acceptLanguage: 'zh-CN,zh'},
};

// Children still running, killed by SIGKILL when the process exits any other way.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch { /* already gone */
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`browser test: stopped by ${signal}`);
    process.exit(1);  // the 'exit' handler kills the children
  });
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// Resolves with the exit code (or signal name) once `child` has exited.
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal)));
}

// SIGTERM, then SIGKILL after kStopWaitMs.
async function stopChild(child) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    try {
      await withDeadline(exited(child), kStopWaitMs, 'stopping the child');
    } catch {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  running.delete(child);
}

function readOptions() {
  const {values} = parseArgs({
    options: {
      build: {type: 'string'},
      server: {type: 'string'},
      field: {type: 'string'},
      'node-modules': {type: 'string'},
      screenshots: {type: 'string'},
      chromium: {type: 'string', default: '/usr/bin/chromium'},
      keep: {type: 'boolean', default: false},
    },
  });
  const build = values.build && resolve(values.build);
  const options = {
    server: values.server ?? (build && join(build, 'server-stub', 'fieldsync-server')),
    field: values.field ?? (build && join(build, 'platform', 'fieldsync')),
    nodeModules: values['node-modules'] ??
        (build && join(build, 'tests', 'browser', 'browser-node', 'node_modules')),
    screenshots: values.screenshots ??
        (build ? join(build, 'browser-screenshots') : resolve('browser-screenshots')),
    chromium: values.chromium,
    keep: values.keep,
  };
  if (!options.server || !options.nodeModules) {
    throw new Error('give --server <fieldsync-server> and --node-modules <dir>, or --build <dir>');
  }
  if (!existsSync(options.server)) throw new Error(`no fieldsync-server at ${options.server}`);
  return options;
}

// puppeteer-core of exactly `nodeModules`, never one found further up the tree.
function loadPuppeteer(nodeModules) {
  const require = createRequire(import.meta.url);
  try {
    return require(join(resolve(nodeModules), 'puppeteer-core'));
  } catch (error) {
    throw new Error(
        `cannot load puppeteer-core from ${nodeModules} (ctest's browser.npm_ci ` +
        `installs it): ${error.message}`);
  }
}

// Runs `program args` to its end with `input` as its standard input. Resolves with its
// stdout; rejects when the exit code is not `expectCode`, with its output.
async function runToEnd(program, args, {input, expectCode}) {
  const child = spawn(program, args, {stdio: ['pipe', 'pipe', 'pipe']});
  running.add(child);
  let stdout = '', stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => {});  // a command that reads nothing may close it early
  child.stdin.end(input);
  const failed = new Promise((_, reject) => child.once('error', reject));
  const code = await Promise.race([exited(child), failed]);
  running.delete(child);
  if (code !== expectCode) {
    throw new Error(
        `${basename(program)} ${args.join(' ')} exited ${code} (expected ` +
        `${expectCode}):\n${stderr}${stdout}`);
  }
  return stdout;
}

// What one test body is given. Everything it starts is stopped by close().
class BrowserTestContext {
  constructor(name, options) {
    this.name = name;
    this.options = options;
    this.dir = mkdtempSync(join(tmpdir(), `fieldsync-browser-${name}-`));
    this.db = join(this.dir, 'server.db');
    this.servers = [];
    this.browser = null;
    this.pageProblems = [];  // page errors and console errors, printed when the test fails
  }

  // Runs `fieldsync-server --db <dir>/server.db ...args` to its end, with `input` as its
  // standard input (a password, say). Resolves with its stdout; rejects when the exit
  // code is not `expectCode`.
  serverCommand(args, {input = '', expectCode = 0} = {}) {
    return runToEnd(this.options.server, ['--db', this.db, ...args], {input, expectCode});
  }

  // Runs the field command line on the phone `phone` (its database is <dir>/<phone>.db):
  // `fieldsync --db <dir>/<phone>.db ...args`, to its end, as serverCommand() does.
  fieldCommand(phone, args, {input = '', expectCode = 0} = {}) {
    const {field} = this.options;
    if (!field || !existsSync(field)) {
      throw new Error(`no fieldsync at ${field}: give --field <fieldsync> (ctest passes it)`);
    }
    return runToEnd(field, ['--db', join(this.dir, `${phone}.db`), ...args], {input, expectCode});
  }

  // Writes `text` to <dir>/<name> (a CSV file to import, say); resolves with its path.
  writeFile(name, text) {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  // Starts `fieldsync-server --db <dir>/server.db serve --listen 127.0.0.1 --port 0
  // ...args` and resolves with { url, stderr() } once it prints the address it listens on
  // ("fieldsync-server listening on http://127.0.0.1:PORT").
  async startServer(args = []) {
    const child = spawn(
        this.options.server,
        ['--db', this.db, 'serve', '--listen', '127.0.0.1', '--port', '0', ...args],
        {stdio: ['ignore', 'pipe', 'pipe']});
    running.add(child);
    const server = {child, url: null, log: ''};
    this.servers.push(server);
    child.stderr.on('data', (chunk) => {
      server.log += chunk;
    });
    const listening = new Promise((done, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) done(match[1]);
      });
      child.once('error', reject);
      child.once(
          'exit',
          (code, signal) => reject(new Error(`fieldsync-server serve exited (${
              code ?? signal}) before listening:\n${server.log}${stdout}`)));
    });
    server.url = await withDeadline(listening, kServerStartMs, 'fieldsync-server serve');
    return server;
  }

  // Debian's chromium, headless, started on first use with a fresh profile folder.
  async launchBrowser() {
    if (this.browser) return this.browser;
    const {chromium} = this.options;
    if (!existsSync(chromium)) {
      throw new Error(
          `chromium cannot start: no ${chromium} (.ci/deps.sh installs Debian's chromium)`);
    }
    const puppeteer = loadPuppeteer(this.options.nodeModules);
    try {
      this.browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        args: kChromiumArgs,
        userDataDir: join(this.dir, 'chromium-profile'),
        timeout: 60_000,
      });
    } catch (error) {
      throw new Error(`chromium cannot start (${chromium}): ${error.message}`);
    }
    const chromiumProcess = this.browser.process();
    if (chromiumProcess) running.add(chromiumProcess);
    return this.browser;
  }

  // A new tab whose navigator.language and Accept-Language are `language` ('en' or
  // 'zh-CN'): chromium's --lang changes neither, its DevTools protocol both.
  async newPage({language = 'en'} = {}) {
    const wanted = kLanguages[language];
    if (!wanted)
      throw new Error(`newPage: language '${language}' is not one of ${Object.keys(kLanguages)}`);
    const browser = await this.launchBrowser();
    const page = await browser.newPage();
    const session = await page.createCDPSession();
    await session.send('Emulation.setLocaleOverride', {locale: wanted.locale});
    await session.send(
        'Network.setUserAgentOverride',
        {userAgent: await browser.userAgent(), acceptLanguage: wanted.acceptLanguage});
    page.on('pageerror', (error) => this.pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.pageProblems.push(`console error: ${message.text()}`);
    });
    return page;
  }

  // Saves a full-page PNG as <screenshots>/<test>-<name>.png; resolves with its path.
  async screenshot(page, name) {
    mkdirSync(this.options.screenshots, {recursive: true});
    const path = join(this.options.screenshots, `${this.name}-${name}.png`);
    await page.screenshot({path, fullPage: true});
    return path;
  }

  // Stops the browser and the servers, each wait bounded.
  async close() {
    if (this.browser) {
      const chromiumProcess = this.browser.process();
      try {
        await withDeadline(this.browser.close(), kStopWaitMs, 'closing chromium');
      } catch { /* killed below */
      }
      if (chromiumProcess) await stopChild(chromiumProcess);
      this.browser = null;
    }
    for (const server of this.servers) await stopChild(server.child);
  }
}

// Runs `body(context)` as the test named after the script node runs (console_shell for
// console_shell_test.mjs) and exits the process: 0 when it passed, 1 otherwise.
export async function browserTest(body) {
  const name = basename(process.argv[1]).replace(/_test\.mjs$/, '').replace(/\.mjs$/, '');
  const started = Date.now();
  let context = null;
  let failure = null;
  try {
    context = new BrowserTestContext(name, readOptions());
    await withDeadline(body(context), kDeadlineMs, `browser test ${name}`);
  } catch (error) {
    failure = error;
  }
  if (context) {
    try {
      await withDeadline(context.close(), 3 * kStopWaitMs, 'stopping the server and chromium');
    } catch (error) {
      failure ??= error;
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!failure) {
    if (context && !context.options.keep) rmSync(context.dir, {recursive: true, force: true});
    console.log(`browser test ${name}: passed (${seconds} s)`);
    process.exit(0);
  }
  console.error(`browser test ${name}: FAILED (${seconds} s)\n${failure.stack ?? failure}`);
  if (context) {
    for (const problem of context.pageProblems) console.error(problem);
    for (const server of context.servers) {
      if (server.log) console.error(`--- fieldsync-server stderr:\n${server.log}`);
    }
    console.error(`(its folder is kept: ${context.dir})`);
  }
  process.exit(1);
}
