// Checks an archive written by `bulletin archive` in Debian's headless Chromium (through
// playwright-core, which never downloads a browser of its own), as a reader sees it: opened from
// disk (file://) and over a small static web server on 127.0.0.1 that this script starts.
//
//   node tests/browser/archive-check.mjs --dir ARCHIVE --expect EXPECT.json --shots DIR
//
// EXPECT.json: { "publisher": name, "brand": "#RRGGBB", "issues": [titles, newest first],
//   "unique": { "word", "issue", "heading" }   a word in one section of one issue only,
//   "common": { "word", "count" }              a word in every issue,
//   "folder": { "name", "title" } }            an issue whose folder is named like a URL
// For each of the two ways in: the header (name, brand colour) and every issue; no sideways
// scrolling at 320 and 375 px; every visible text at WCAG AA contrast in light and dark mode,
// computed from Chromium's styles; the search box reached with the keyboard, the unique word
// finding its one issue and section (followed to the section on the issue's page), the common
// word finding every issue, a nonsense word nothing, Escape bringing the list back; the folder
// named like a URL opening as a page, never running a script. Nothing is loaded from anywhere
// else, and no console error, page error or failed request. Screenshots go to DIR. Prints one
// line per step; exits 0 if all pass, 1 otherwise (2 on bad arguments).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const OVERALL_TIMEOUT_MS = 90_000;
const WAIT_MS = 5_000;

function usage(message) {
  console.error(`archive-check: ${message}`);
  console.error('usage: node archive-check.mjs --dir ARCHIVE --expect EXPECT.json --shots DIR');
  process.exit(2);
}

let opts;
try {
  opts = parseArgs({
    options: { dir: { type: 'string' }, expect: { type: 'string' }, shots: { type: 'string' } },
  }).values;
} catch (e) {
  usage(e.message);
}
for (const name of ['dir', 'expect', 'shots']) {
  if (!opts[name]) usage(`--${name} is required`);
}
const root = path.resolve(opts.dir);
const shots = path.resolve(opts.shots);
const expect = JSON.parse(fs.readFileSync(opts.expect, 'utf8'));
fs.mkdirSync(shots, { recursive: true });

class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};
const step = (message) => console.log(`ok: ${message}`);
const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The static web server: files under the archive folder only, as any web server would serve them.
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.eml': 'message/rfc822',
};
const server = http.createServer((req, res) => {
  let file;
  try {
    let rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    file = path.join(root, rel);
  } catch {
    file = null;
  }
  if (!file || !file.startsWith(root + path.sep)) {
    res.writeHead(400).end();
    return;
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(data);
  });
});

// Everything that goes wrong in any page.
const problems = [];
let allowedOrigin = null;
async function watch(page, name) {
  await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204, body: '' }));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${name}: console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${name}: page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    problems.push(`${name}: request failed: ${req.url()}: ${req.failure()?.errorText ?? 'unknown'}`);
  });
  page.on('request', (req) => {
    const u = new URL(req.url());
    const local = u.protocol === 'file:' || u.protocol === 'data:' || u.origin === allowedOrigin;
    if (!local) problems.push(`${name}: loaded something from elsewhere: ${req.url()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`${name}: a script opened a dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
}

/** Every visible text in the page whose contrast with what is behind it is under WCAG AA. */
async function lowContrast(page, within) {
  return page.evaluate((within) => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const over = (top, under) => ({
      r: top.r * top.a + under.r * (1 - top.a),
      g: top.g * top.a + under.g * (1 - top.a),
      b: top.b * top.a + under.b * (1 - top.a),
      a: 1,
    });
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    // What is painted behind an element: the backgrounds of it and its ancestors, blended.
    const behind = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg && bg.a > 0) layers.push(bg);
        if (bg && bg.a === 1) break;
      }
      const canvas = matchMedia('(prefers-color-scheme: dark)').matches
        ? { r: 18, g: 18, b: 18, a: 1 }
        : { r: 255, g: 255, b: 255, a: 1 };
      return layers.reverse().reduce((under, top) => over(top, under), canvas);
    };
    const found = [];
    let checked = 0;
    const walker = document.createTreeWalker(document.querySelector(within), NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim()) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility !== 'visible' || box.width === 0 || box.height === 0) continue;
      if (box.right < 0 || box.bottom < 0 || el.closest('[hidden]')) continue;
      const fg = parse(style.color);
      const bg = behind(el);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const need = large ? 3 : 4.5;
      const got = ratio(over(fg, bg), bg);
      checked += 1;
      if (got < need) {
        found.push(`"${n.textContent.trim().slice(0, 40)}" (${el.tagName.toLowerCase()}.${el.className}): ${got.toFixed(2)}:1, needs ${need}:1`);
      }
    }
    return { found, checked };
  }, within);
}

async function noSidewaysScroll(page, width, what) {
  await page.setViewportSize({ width, height: 800 });
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  if (scrollWidth > innerWidth) {
    fail(`${what} scrolls sideways at ${width} px: scrollWidth ${scrollWidth}, innerWidth ${innerWidth}`);
  }
}

async function checkContrast(page, what, within = 'body', least = 5) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const { found, checked } = await lowContrast(page, within);
    if (found.length > 0) fail(`${what}, ${scheme} mode: text under WCAG AA contrast:\n  ${found.join('\n  ')}`);
    if (checked < least) fail(`${what}, ${scheme} mode: only ${checked} texts found to check`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Types `word` in the search box and waits for the status line to change; returns the results. */
async function search(page, word) {
  await page.fill('#search-box', '');
  await page.type('#search-box', word);
  await page.waitForFunction(
    (w) => (document.querySelector('#search-status')?.textContent ?? '').includes(w),
    word,
    { timeout: WAIT_MS },
  );
  return page.evaluate(() => ({
    status: document.querySelector('#search-status').textContent,
    listHidden: document.querySelector('#issues').hidden,
    titles: [...document.querySelectorAll('#search-results article h3')].map((h) => h.textContent.trim()),
    marks: [...document.querySelectorAll('#search-results mark')].map((m) => m.textContent),
    sections: [...document.querySelectorAll('#search-results .hits a')].map((a) => ({
      text: a.textContent.trim(),
      href: a.getAttribute('href'),
    })),
  }));
}

async function checkSite(browser, base, tag) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await watch(page, `${tag} index`);
  const index = new URL('index.html', base).href;
  const res = await page.goto(index, { waitUntil: 'load' });
  if (res && !res.ok()) fail(`${tag}: ${index} answered ${res.status()}`);

  // The header and the issues.
  const seen = await page.evaluate(() => ({
    header: document.querySelector('header.masthead')?.textContent ?? '',
    headerBg: getComputedStyle(document.querySelector('header.masthead') ?? document.body).backgroundColor,
    h1: document.querySelector('h1')?.textContent ?? '',
    issues: [...document.querySelectorAll('#issues article h3 a')].map((a) => a.textContent.trim()),
    feed: [...document.querySelectorAll('a')].filter((a) => a.getAttribute('href') === './feed.xml').length,
    searchShown: !document.querySelector('#search')?.hidden,
    hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.href),
  }));
  if (!squash(seen.header).includes(expect.publisher)) fail(`${tag}: the header says "${squash(seen.header)}", not ${expect.publisher}`);
  const hex = expect.brand.toLowerCase();
  const rgb = `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
  if (seen.headerBg !== rgb) fail(`${tag}: the header's background is ${seen.headerBg}, not the brand colour ${rgb}`);
  if (JSON.stringify(seen.issues) !== JSON.stringify(expect.issues)) {
    fail(`${tag}: the index lists ${JSON.stringify(seen.issues)}, not ${JSON.stringify(expect.issues)}`);
  }
  if (seen.feed < 1) fail(`${tag}: no link to ./feed.xml`);
  if (!seen.searchShown) fail(`${tag}: the search box is still hidden (search.js did not run)`);
  const schemes = seen.hrefs.map((h) => new URL(h).protocol).filter((p) => !['file:', 'http:', 'https:'].includes(p));
  if (schemes.length > 0) fail(`${tag}: links with other schemes: ${schemes.join(', ')}`);
  step(`${tag}: header "${squash(seen.header)}" on ${seen.headerBg}, h1 "${squash(seen.h1)}", ${seen.issues.length} issues in order, feed link`);
  await page.screenshot({ path: path.join(shots, `${tag}-index-1200.png`), fullPage: true });

  for (const width of [375, 320]) {
    await noSidewaysScroll(page, width, `${tag}: the index`);
    await page.screenshot({ path: path.join(shots, `${tag}-index-${width}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(shots, `${tag}-index-320-dark.png`), fullPage: true });
  step(`${tag}: no sideways scrolling at 375 and 320 px (screenshots in ${shots})`);
  await checkContrast(page, `${tag}: the index`);
  step(`${tag}: every visible text meets WCAG AA in light and dark mode`);

  // The keyboard: the skip link first, then on to the search box.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(index, { waitUntil: 'load' });
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const a = document.activeElement;
    const box = a.getBoundingClientRect();
    return { text: a.textContent.trim(), visible: box.left >= 0 && box.width > 0, outline: getComputedStyle(a).outlineStyle };
  });
  if (!/Skip to/.test(first.text) || !first.visible) fail(`${tag}: the first Tab does not show a skip link (${JSON.stringify(first)})`);
  let tabs = 1;
  while (!(await page.evaluate(() => document.activeElement?.id === 'search-box'))) {
    if (tabs > 8) fail(`${tag}: the search box is not reached with Tab`);
    await page.keyboard.press('Tab');
    tabs += 1;
  }
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  if (ring === 'none') fail(`${tag}: the focused search box shows no outline`);
  step(`${tag}: keyboard: skip link first, the search box after ${tabs} Tabs, with a focus outline`);

  // The search: a word in one section of one issue, typed with a capital and without its last
  // letter (the start of a word is enough, capitals make no difference).
  const u = expect.unique;
  const typed = u.word[0].toUpperCase() + u.word.slice(1, -1);
  const one = await search(page, typed);
  if (JSON.stringify(one.titles) !== JSON.stringify([u.issue])) {
    fail(`${tag}: searching "${typed}" found ${JSON.stringify(one.titles)}, not only "${u.issue}" (${one.status})`);
  }
  if (!one.marks.includes(u.word)) fail(`${tag}: "${u.word}" is not highlighted in the result (marks: ${JSON.stringify(one.marks)})`);
  if (!one.listHidden) fail(`${tag}: the list of issues is still shown beside the results`);
  const hit = one.sections.find((s) => s.text === u.heading);
  if (!hit) fail(`${tag}: the result does not name the section "${u.heading}": ${JSON.stringify(one.sections)}`);
  step(`${tag}: "${typed}" finds "${u.issue}" only, in its section "${u.heading}", highlighted (${squash(one.status)})`);
  await noSidewaysScroll(page, 320, `${tag}: the search results`);
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: path.join(shots, `${tag}-search-375.png`), fullPage: true });
  await checkContrast(page, `${tag}: the search results`);
  step(`${tag}: the results fit 320 px and meet WCAG AA in light and dark mode`);

  // Each issue's month and year are searched too ("fit note april" finds last spring's issue):
  // a word of every issue with the month of one, and a month alone.
  for (const m of expect.months ?? []) {
    const r = await search(page, m.words);
    if (JSON.stringify(r.titles) !== JSON.stringify([m.issue])) {
      fail(`${tag}: searching "${m.words}" found ${JSON.stringify(r.titles)}, not only "${m.issue}" (${r.status})`);
    }
    step(`${tag}: "${m.words}" finds "${m.issue}" only (its date)`);
  }
  // The index lists each issue's section titles; the search form is a valid form.
  const form = await page.evaluate(() => ({
    sections: [...document.querySelectorAll('#issues .sections')].map((p) => p.textContent),
    action: document.querySelector('#search').hasAttribute('action'),
    submit: !!document.querySelector('#search button[type="submit"]'),
    labelled: document.querySelector('#search-results').hasAttribute('aria-label'),
  }));
  if (!form.sections.some((t) => t.includes(u.heading))) fail(`${tag}: the index does not list the section "${u.heading}": ${JSON.stringify(form.sections)}`);
  if (form.action || !form.submit || form.labelled) fail(`${tag}: the search form: ${JSON.stringify(form)}`);
  step(`${tag}: the index lists each issue's sections; the form has a submit button and no empty action`);
  await search(page, typed);

  // Follow the section's link with the keyboard: it opens the issue at that section.
  await page.focus(`#search-results .hits a[href="${hit.href}"]`);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  const landed = await page.evaluate(() => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    return { url: location.href, heading: target ? target.textContent.trim() : null, title: document.title };
  });
  // The heading starts with the item's number, as the contents list numbers it.
  if (landed.heading?.replace(/^\d+\. /, '') !== u.heading) fail(`${tag}: the section's link went to ${landed.url}, where #… is ${JSON.stringify(landed.heading)}`);
  step(`${tag}: Enter on the result opens ${landed.url.replace(base, '')} at "${landed.heading}"`);
  // It lands with room above the heading (for its label) and the heading marked; the page has
  // its <main>.
  const view = await page.evaluate(() => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    return {
      top: Math.round(target.getBoundingClientRect().top),
      outline: getComputedStyle(target).outlineStyle,
      main: document.querySelectorAll('main').length,
      inMain: !!target.closest('main'),
    };
  });
  if (view.top < 40 || view.top > 120 || view.outline === 'none' || view.main !== 1 || !view.inMain) {
    fail(`${tag}: the section landed ${JSON.stringify(view)}`);
  }
  step(`${tag}: the section's heading lands ${view.top} px down, outlined (${view.outline}), in the page's one <main>`);
  await page.screenshot({ path: path.join(shots, `${tag}-landed.png`) });
  // The issue page's links to the index and the issues either side (the email below them is
  // checked by the email's own tests).
  await page.evaluate(() => window.scrollTo(0, 0));
  await checkContrast(page, `${tag}: the links above an issue`, 'nav[aria-label="Bulletin archive"]', 3);
  await noSidewaysScroll(page, 320, `${tag}: an issue's page`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(shots, `${tag}-issue-320-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
  step(`${tag}: the links above an issue meet WCAG AA in light and dark mode; the page fits 320 px`);
  await page.goBack({ waitUntil: 'load' });

  // A word in every issue, then nothing, then Escape.
  const all = await search(page, expect.common.word);
  if (all.titles.length !== expect.common.count) {
    fail(`${tag}: "${expect.common.word}" found ${all.titles.length} issues, not ${expect.common.count}`);
  }
  const none = await search(page, 'qqxxzzyy');
  if (none.titles.length !== 0 || !/No issue/.test(none.status)) fail(`${tag}: a nonsense word found ${JSON.stringify(none)}`);
  await page.keyboard.press('Escape');
  const back = await page.evaluate(() => !document.querySelector('#issues').hidden && document.querySelector('#search-results').hidden);
  if (!back) fail(`${tag}: Escape did not bring the list of issues back`);
  step(`${tag}: "${expect.common.word}" finds all ${all.titles.length} issues; a nonsense word none; Escape brings the list back`);

  // The issue in a folder named like a URL opens as a page.
  const link = page.locator('#issues article h3 a', { hasText: expect.folder.title });
  const href = await link.getAttribute('href');
  if (!href.startsWith('./')) fail(`${tag}: the link to the folder "${expect.folder.name}" is ${href}`);
  await Promise.all([page.waitForEvent('load'), link.click()]);
  const opened = await page.evaluate(() => ({ url: location.href, h1: document.querySelector('h1')?.textContent ?? '' }));
  if (!squash(opened.h1).includes(expect.folder.title)) fail(`${tag}: ${href} opened ${opened.url} showing "${opened.h1}"`);
  step(`${tag}: the folder "${expect.folder.name}" is linked as ${href} and opens its issue`);
  await page.close();
}

async function run(browser) {
  step(`Chromium ${browser.version()}`);
  allowedOrigin = null;
  await checkSite(browser, pathToFileURL(root + path.sep).href, 'file');
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  allowedOrigin = `http://127.0.0.1:${server.address().port}`;
  await checkSite(browser, `${allowedOrigin}/`, 'http');
  if (problems.length > 0) fail(`${problems.length} problem(s) in the browser:\n  ${problems.join('\n  ')}`);
  step('no console errors, page errors, failed requests or dialogs; nothing loaded from elsewhere');
}

let browser = null;
const overall = setTimeout(() => {
  console.error(`FAIL: the browser check took more than ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

let code = 1;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  await run(browser);
  console.log('archive check passed');
  code = 0;
} catch (e) {
  const message = e instanceof CheckFailed ? e.message : (e.stack ?? String(e));
  const others = problems.length > 0 && !message.includes('problem(s) in the browser') ? `\nalso, in the browser:\n  ${problems.join('\n  ')}` : '';
  console.error(`FAIL: ${message}${others}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  server.close();
  clearTimeout(overall);
}
process.exit(code);
