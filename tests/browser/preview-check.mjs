// Checks a running `bulletin preview` in Debian's headless Chromium (through playwright-core,
// which never downloads a browser of its own).
//
//   node tests/browser/preview-check.mjs --url http://127.0.0.1:PORT/ \
//     --bulletin bulletins/X.yaml --titles-file titles.json --shots DIR
//
// The bulletin must be the one the preview serves: this script edits it on disk (and always puts
// it back as it was). titles.json is a JSON array of the <h2> texts the email must show, in order.
// Steps: the preview page, its inbox line (the sender named as in publisher.yaml's `from`) and its
// two iframes; the section titles; screenshots of the email at 1200, 375 and 320 px wide (no
// horizontal scrolling at 375 and 320) and of the preview page; live reload on an edit; the
// reader's place kept across a save, 2600 px down in the email and 600 px into the plain text
// (which the save pushes down); the diagnostics page on an invalid date and the way back when it is
// fixed, to the same place in the text. Any console error, page error or failed request fails the
// run. Prints one line per step; exits 0 if all pass, 1 otherwise (2 on bad arguments).

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const OVERALL_TIMEOUT_MS = 60_000;
const WAIT_MS = 5_000;
const LIVE_TITLE = 'Live reload check 12345';
// Added to the last section's note to make the email longer, and looked for after the reload.
const SCROLL_WORDS = 'Scroll position check';
// How far (px) the place after a reload may be from the place before it.
const PLACE_SLACK_PX = 3;
const BAD_DATE = '2021-02-30';

function usage(message) {
  console.error(`preview-check: ${message}`);
  console.error(
    'usage: node preview-check.mjs --url http://127.0.0.1:PORT/ --bulletin FILE.yaml ' +
      '--titles-file TITLES.json --shots DIR',
  );
  process.exit(2);
}

let opts;
try {
  opts = parseArgs({
    options: {
      url: { type: 'string' },
      bulletin: { type: 'string' },
      'titles-file': { type: 'string' },
      shots: { type: 'string' },
    },
  }).values;
} catch (e) {
  usage(e.message);
}
for (const name of ['url', 'bulletin', 'titles-file', 'shots']) {
  if (!opts[name]) usage(`--${name} is required`);
}

const base = new URL(opts.url);
const at = (p) => new URL(p, base).href;
const bulletinPath = path.resolve(opts.bulletin);
const shots = path.resolve(opts.shots);
const titles = JSON.parse(fs.readFileSync(opts['titles-file'], 'utf8'));
if (!Array.isArray(titles) || titles.some((t) => typeof t !== 'string') || titles.length === 0) {
  usage('--titles-file must hold a non-empty JSON array of strings');
}
const original = fs.readFileSync(bulletinPath, 'utf8');
fs.mkdirSync(shots, { recursive: true });

/** A failed check: its message is the whole report. */
class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};

let bulletinChanged = false;
function writeBulletin(text) {
  bulletinChanged = true;
  fs.writeFileSync(bulletinPath, text);
}
function restoreBulletin() {
  if (bulletinChanged) {
    fs.writeFileSync(bulletinPath, original);
    bulletinChanged = false;
  }
}

/** Replaces the first line matching `re` (multiline) with `line`; fails if there is none. */
function replaceLine(text, re, line) {
  if (!re.test(text)) fail(`${bulletinPath} has no line matching ${re}`);
  return text.replace(re, line);
}

/** Appends `words` to the last `note:` line (a section's note, near the end of the email). */
function appendToLastNote(text, words) {
  const lines = text.split('\n');
  const i = lines.findLastIndex((l) => /^\s+note: \S/.test(l));
  if (i < 0) fail(`${bulletinPath} has no section with a one-line \`note:\``);
  lines[i] += words;
  return lines.join('\n');
}

/**
 * Where the window is, measured in the view `id` (#views, the two email iframes; or #text, the
 * plain text), once the page has loaded and stopped moving: { scrollY, top, bottom, offset }.
 */
async function settledPlace(page, id) {
  let last = null;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const now = await page
      .evaluate((id) => {
        if (document.readyState !== 'complete') return null;
        const el = document.getElementById(id);
        if (!el) return null;
        const r = el.getBoundingClientRect();
        const top = Math.round(r.top + window.scrollY);
        return { scrollY: Math.round(window.scrollY), top, bottom: Math.round(r.bottom + window.scrollY), offset: Math.round(window.scrollY) - top };
      }, id)
      .catch(() => null);
    if (now && last && JSON.stringify(now) === JSON.stringify(last)) return now;
    if (Date.now() > deadline) fail(`the preview page did not settle (#${id}: ${JSON.stringify(now)}) within ${WAIT_MS / 1000} s`);
    last = now;
    await sleep(200);
  }
}

/**
 * Scrolls well into the view `id`, saves `text` as the bulletin, waits for the page to reload
 * with `marker` in its plain text, and fails unless the window is as far into the view as before.
 */
async function placeKept(page, id, text, marker) {
  const before = await settledPlace(page, id);
  const height = await page.evaluate(() => window.innerHeight);
  // Well inside the view, with a window's height of it below: in the email, 2600 px down (where
  // the issue saw the page jump), in the text 600 px into it.
  const target = id === 'views' ? Math.max(before.top + 100, 2600) : before.top + 600;
  if (target + height > before.bottom) fail(`#${id} is too short to scroll to ${target} px: ${JSON.stringify(before)}`);
  await page.evaluate((y) => {
    window.scrollTo(0, y);
    window.__before = 1;
  }, target);
  const at = await settledPlace(page, id);
  if (at.scrollY !== target) fail(`could not scroll the preview page to ${target} px (it is at ${at.scrollY})`);
  writeBulletin(text);
  await waitInPage(
    page,
    (marker) =>
      window.__before === undefined &&
      document.readyState === 'complete' &&
      (document.querySelector('#text')?.textContent ?? '').includes(marker),
    marker,
    WAIT_MS,
    `after a save, the preview did not reload to show "${marker}" in the plain text`,
  );
  const after = await settledPlace(page, id);
  const view = id === 'views' ? 'the email' : 'the plain text';
  if (Math.abs(after.offset - at.offset) > PLACE_SLACK_PX) {
    fail(
      `after a save, the reader of ${view} was moved: ${at.offset} px into #${id} before the reload ` +
        `(window.scrollY ${at.scrollY}), ${after.offset} px after it (window.scrollY ${after.scrollY})`,
    );
  }
  if (id === 'text' && after.top - before.top < 10) {
    fail(`the longer note did not push the plain text down (#text at ${before.top} px, then ${after.top} px): the check proves nothing`);
  }
  step(
    `scroll kept in ${view}: ${at.offset} px into #${id} before the save, ${after.offset} px after ` +
      `(window.scrollY ${at.scrollY} → ${after.scrollY})`,
  );
  return after;
}

const step = (message) => console.log(`ok: ${message}`);
const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `fn` (in the page) every 100 ms until it returns a truthy value or `ms` pass. Errors from
 * a page that is navigating ("execution context was destroyed") count as not yet.
 */
async function waitInPage(page, fn, arg, ms, what) {
  const deadline = Date.now() + ms;
  let last = null;
  for (;;) {
    try {
      const value = await page.evaluate(fn, arg);
      if (value) return value;
      last = null;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      fail(`${what} within ${ms / 1000} s${last ? ` (last error: ${last.message.split('\n')[0]})` : ''}`);
    }
    await sleep(100);
  }
}

// Everything that goes wrong in any page: console errors, uncaught exceptions, failed requests.
const problems = [];
// Chromium asks every top-level page's server for /favicon.ico by itself, and the preview (like
// any path but its own) answers 404: a console error that no page asked for. Answer it here.
async function watch(page, name) {
  await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204, body: '' }));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location()?.url ? ` (${msg.location().url})` : '';
      problems.push(`${name}: console error: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`${name}: page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? 'unknown';
    // The server-sent-events stream never ends by itself: every reload aborts it.
    if (new URL(req.url()).pathname === '/events' && why === 'net::ERR_ABORTED') return;
    problems.push(`${name}: request failed: ${req.method()} ${req.url()}: ${why}`);
  });
}

/** Counts the page's connections to /events whose response headers came back. */
function countEvents(page) {
  const counter = { n: 0 };
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/events' && res.status() === 200) counter.n += 1;
  });
  return counter;
}

/** Waits until the page has opened one more /events stream than `seen`. */
async function waitForEvents(counter, seen, what) {
  const deadline = Date.now() + WAIT_MS;
  while (counter.n <= seen) {
    if (Date.now() > deadline) {
      fail(`${what}: the page did not open the /events stream (server-sent events) within ${WAIT_MS / 1000} s`);
    }
    await sleep(50);
  }
}

/** Both iframes are there and have loaded the email; returns the desktop frame's h2 texts. */
async function checkFrames(page, when) {
  const found = {};
  for (const id of ['desktop', 'phone']) {
    const handle = await page.$(`iframe#${id}`);
    if (!handle) fail(`${when}: no <iframe id="${id}"> in the preview page`);
    const frame = await handle.contentFrame();
    if (!frame) fail(`${when}: <iframe id="${id}"> has no document`);
    const src = await handle.getAttribute('src');
    if (new URL(src ?? '', page.url()).pathname !== '/email.html') {
      fail(`${when}: <iframe id="${id}"> has src="${src}", not /email.html`);
    }
    const deadline = Date.now() + WAIT_MS;
    let state;
    for (;;) {
      state = await frame
        .evaluate(() => ({
          ready: document.readyState,
          url: location.pathname,
          h2: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        }))
        .catch(() => null);
      if (state && state.ready === 'complete' && state.url === '/email.html' && state.h2.length > 0) break;
      if (Date.now() > deadline) {
        fail(
          `${when}: <iframe id="${id}"> did not load the email within ${WAIT_MS / 1000} s ` +
            `(${state ? `at ${state.url}, ${state.ready}, ${state.h2.length} <h2>` : 'no document'})`,
        );
      }
      await sleep(100);
    }
    const box = await handle.boundingBox();
    // Each heading starts with its item's number ("3. Title"), as the contents list numbers it.
    found[id] = { h2: state.h2.map((t) => squash(t).replace(/^\d+\. /, '')), width: box ? Math.round(box.width) : 0 };
  }
  return found;
}

/** Every title appears as an h2, in order; fails naming the first one missing. */
function checkTitles(h2s, when) {
  let next = 0;
  for (const title of titles) {
    const want = squash(title);
    const i = h2s.indexOf(want, next);
    if (i < 0) {
      const earlier = h2s.indexOf(want);
      if (earlier >= 0) {
        fail(`${when}: section "${title}" is out of order: it is <h2> #${earlier + 1}, before the previous section`);
      }
      fail(`${when}: section "${title}" is missing: no <h2> in the desktop email says so (found: ${JSON.stringify(h2s)})`);
    }
    next = i + 1;
  }
}

async function subjectOf(page) {
  return page.evaluate(() => document.querySelector('#subject')?.textContent ?? null);
}

async function run(browser) {
  // 1. The preview page.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await watch(page, '/');
  const events = countEvents(page);
  const res = await page.goto(at('/'), { waitUntil: 'load' });
  if (!res || res.status() !== 200) fail(`GET / answered ${res ? res.status() : 'nothing'}, not 200`);
  step(`opened ${at('/')} in Chromium ${browser.version()}`);

  // 2. Subject, iframes, section titles.
  const subject = squash(await subjectOf(page));
  if (subject === null || subject === '') {
    const diag = await page.evaluate(() => document.querySelector('#diagnostics')?.textContent ?? null);
    if (diag) fail(`the preview shows diagnostics instead of the email:\n${diag}`);
    fail('#subject is missing or empty in the preview page');
  }
  const layout = await page.evaluate(() => ({
    inbox: !!document.querySelector('#inbox'),
    subjectInInbox: !!document.querySelector('#inbox #subject'),
    preheaderInInbox: !!document.querySelector('#inbox #preheader'),
    text: document.querySelector('pre#text')?.textContent ?? null,
  }));
  if (!layout.inbox) fail('no #inbox (the inbox line) in the preview page');
  if (!layout.subjectInInbox || !layout.preheaderInInbox) fail('#inbox lacks #subject or #preheader');
  if (!layout.text || !layout.text.trim()) fail('<pre id="text"> (the plain-text version) is missing or empty');
  // The inbox names the sender as publisher.yaml's `from` does.
  const publisherYaml = fs.readFileSync(path.join(path.dirname(bulletinPath), 'publisher.yaml'), 'utf8');
  const fromName = publisherYaml.match(/^from:\s*"?([^"<]*?)"?\s*<[^>]*>\s*$/m)?.[1];
  if (!fromName) fail(`publisher.yaml beside ${bulletinPath} has no \`from: Name <address>\` line`);
  const shownFrom = squash(await page.evaluate(() => document.querySelector('#inbox #from')?.textContent ?? null));
  if (shownFrom !== fromName) fail(`the inbox line names the sender "${shownFrom}", not "${fromName}" (publisher.yaml's from)`);
  step(`#from says "${shownFrom}", #subject "${subject}"; #preheader and the plain text (<pre id="text">) are there`);
  let frames = await checkFrames(page, 'the preview page');
  step(`both iframes loaded /email.html (#desktop ${frames.desktop.width} px, #phone ${frames.phone.width} px wide)`);
  checkTitles(frames.desktop.h2, 'the #desktop email');
  step(`all ${titles.length} section titles are <h2> in the #desktop email, in order`);

  // 3. Screenshots: the email alone at 1200, 375 and 320 px (EMAIL.md: it reflows to 320 px),
  // and the preview page.
  for (const width of [1200, 375, 320]) {
    const email = await browser.newPage({ viewport: { width, height: 900 } });
    await watch(email, `/email.html at ${width} px`);
    const r = await email.goto(at('/email.html'), { waitUntil: 'load' });
    if (!r || r.status() !== 200) fail(`GET /email.html answered ${r ? r.status() : 'nothing'}, not 200`);
    const file = path.join(shots, `email-${width}.png`);
    await email.screenshot({ path: file, fullPage: true });
    const { scrollWidth, innerWidth } = await email.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    await email.close();
    if (width <= 375 && scrollWidth > innerWidth) {
      fail(
        `the email scrolls sideways at ${width} px: document.documentElement.scrollWidth is ${scrollWidth}, ` +
          `window.innerWidth is ${innerWidth} (see ${file})`,
      );
    }
    step(`screenshot ${file} (scrollWidth ${scrollWidth}, innerWidth ${innerWidth})`);
  }
  const previewShot = path.join(shots, 'preview.png');
  await page.screenshot({ path: previewShot, fullPage: true });
  step(`screenshot ${previewShot}`);

  // 4. Live reload on an edit of the bulletin.
  await waitForEvents(events, 0, 'before the edit');
  let seen = events.n;
  await page.evaluate(() => {
    window.__before = 1;
  });
  writeBulletin(replaceLine(original, /^title: .*$/m, `title: ${LIVE_TITLE}`));
  await waitInPage(
    page,
    (want) => window.__before === undefined && (document.querySelector('#subject')?.textContent ?? '').includes(want),
    LIVE_TITLE,
    WAIT_MS,
    `after the bulletin's title was changed on disk, the preview did not reload to show "${LIVE_TITLE}" in #subject`,
  );
  step(`live reload: the page reloaded and #subject says "${LIVE_TITLE}"`);

  // 5. The reader's place survives a save, in the email and in the plain text.
  await waitForEvents(events, seen, 'after the live reload');
  seen = events.n;
  let edited = replaceLine(original, /^title: .*$/m, `title: ${LIVE_TITLE}`);
  const kept = [];
  for (const [view, n] of [['views', 1], ['text', 2]]) {
    // A longer last note: the email grows below the place in it, and pushes the text down.
    edited = appendToLastNote(edited, ` ${SCROLL_WORDS} ${n}.`.repeat(8));
    kept.push(await placeKept(page, view, edited, `${SCROLL_WORDS} ${n}.`));
    await waitForEvents(events, seen, `after the save in the ${view} view`);
    seen = events.n;
  }
  const textPlace = kept[1];

  // 6. An invalid bulletin shows diagnostics; fixing it brings the email back.
  const dateLine = original.split('\n').findIndex((l) => /^date: /.test(l)) + 1;
  writeBulletin(replaceLine(original, /^date: .*$/m, `date: ${BAD_DATE}`));
  const diag = await waitInPage(
    page,
    () => {
      const d = document.querySelector('#diagnostics');
      return d && /error/.test(d.textContent) ? d.textContent : null;
    },
    null,
    WAIT_MS,
    `after the date was set to ${BAD_DATE}, the preview did not show #diagnostics containing "error"`,
  );
  const iframes = await page.evaluate(() => document.querySelectorAll('iframe').length);
  if (iframes > 0) fail(`the diagnostics page still has ${iframes} iframe(s)`);
  if (!new RegExp(`:${dateLine}:\\d+: error`).test(diag)) {
    fail(`#diagnostics does not point at the date line (${dateLine}) as FILE:${dateLine}:COL: error:\n${diag}`);
  }
  step(`invalid date: #diagnostics shows ${JSON.stringify(squash(diag).slice(0, 120))}`);

  await waitForEvents(events, seen, 'on the diagnostics page');
  restoreBulletin();
  await waitInPage(
    page,
    (want) =>
      document.querySelector('iframe#desktop') &&
      document.querySelector('iframe#phone') &&
      (document.querySelector('#subject')?.textContent ?? '').replace(/\s+/g, ' ').trim() === want,
    subject,
    WAIT_MS,
    `after the bulletin was restored, the preview did not come back with both iframes and #subject "${subject}"`,
  );
  frames = await checkFrames(page, 'after the fix');
  checkTitles(frames.desktop.h2, 'the #desktop email after the fix');
  step('fixed bulletin: the iframes and the original #subject are back');
  // The place in the text, from before the errors, is where the reader comes back to.
  const back = await settledPlace(page, 'text');
  if (Math.abs(back.offset - textPlace.offset) > PLACE_SLACK_PX) {
    fail(
      `after the errors were fixed, the reader is ${back.offset} px into the plain text (window.scrollY ` +
        `${back.scrollY}), not ${textPlace.offset} px as before the errors`,
    );
  }
  step(`fixed bulletin: back ${back.offset} px into the plain text, where the reader was before the errors`);

  // 7. Nothing went wrong along the way.
  if (problems.length > 0) {
    fail(`${problems.length} error(s) in the browser:\n  ${problems.join('\n  ')}`);
  }
  step('no console errors, page errors or failed requests');
}

let browser = null;

/** Puts the bulletin back; on the way out, whatever happened. */
function restoreOrComplain() {
  try {
    restoreBulletin();
    return true;
  } catch (e) {
    console.error(`FAIL: could not restore ${bulletinPath}: ${e.message}`);
    return false;
  }
}

const overall = setTimeout(() => {
  console.error(`FAIL: the browser check took more than ${OVERALL_TIMEOUT_MS / 1000} s`);
  restoreOrComplain();
  const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
  Promise.race([closing, sleep(5_000)]).finally(() => process.exit(1));
}, OVERALL_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`FAIL: stopped by ${signal}`);
    restoreOrComplain();
    process.exit(1);
  });
}

let code = 1;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  await run(browser);
  console.log('preview check passed');
  code = 0;
} catch (e) {
  const message = e instanceof CheckFailed ? e.message : (e.stack ?? String(e));
  const others =
    problems.length > 0 && !message.includes('error(s) in the browser')
      ? `\nalso, in the browser:\n  ${problems.join('\n  ')}`
      : '';
  console.error(`FAIL: ${message}${others}`);
} finally {
  if (!restoreOrComplain()) code = 1;
  if (browser) await browser.close().catch(() => {});
  clearTimeout(overall);
}
process.exit(code);
