// Checks rendered HTML emails in Debian's headless Chromium (through playwright-core, which never
// downloads a browser of its own), as a reader's screen shows them.
//
//   node tests/browser/email-check.mjs --shots DIR [--first-item NAME=PX] NAME=FILE.html [...]
//
// Each email is opened from disk at 320, 375 and 800 px wide, in light and in dark mode
// (prefers-color-scheme emulated). At each:
// - no horizontal scrolling: the document is no wider than the window;
// - every visible text node reaches WCAG AA contrast (4.5:1; 3:1 for large text, 24 px or
//   18.66 px bold) between its computed colour and the background it is drawn on (the first
//   opaque background-color of its ancestors, semi-transparent ones blended on top);
// - dark mode is really on (the page's background is dark), so the contrast is measured on the
//   dark styles;
// - on a phone (under 620 px) the header and footer have the cards' side padding;
// - a logo, if there is one, is shown and fits the window;
// - every in-page link (href="#x") has an empty <a name="x"> and an element with id "x";
// - in light mode with every <style> removed (as Gmail's apps show an email to a non-Google
//   account), every visible text still reaches AA: what matters is inline;
// - with and without <style>, no text of more than one line has a line height under its size;
// - every "Join online" link is a button at least 44 px tall;
// - the Chief Executive's message's card differs from every other card (its top border or its
//   background);
// - with --first-item NAME=PX, at 375 px that email's first item (the card of its first <h2>)
//   starts at most PX down: on a phone's first screen.
// A full-page screenshot of each is written to DIR/NAME-WIDTH-SCHEME.png. The email may load
// nothing but its logo, which is answered with a generated image (there is no network here).
// Prints one line per check; exits 0 if all pass, 1 otherwise (2 on bad arguments).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const WIDTHS = [320, 375, 800];
const SCHEMES = ['light', 'dark'];
const PHONE_MAX = 620;

function usage(message) {
  console.error(`email-check: ${message}`);
  console.error('usage: node email-check.mjs --shots DIR NAME=FILE.html [NAME=FILE.html ...]');
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ options: { shots: { type: 'string' }, 'first-item': { type: 'string', multiple: true } }, allowPositionals: true });
} catch (e) {
  usage(e.message);
}
if (!parsed.values.shots) usage('--shots is required');
if (parsed.positionals.length === 0) usage('give at least one NAME=FILE.html');
const emails = parsed.positionals.map((arg) => {
  const at = arg.indexOf('=');
  if (at <= 0) usage(`${arg}: expected NAME=FILE.html`);
  const file = path.resolve(arg.slice(at + 1));
  if (!fs.existsSync(file)) usage(`${file} does not exist`);
  return { name: arg.slice(0, at), file };
});
const shots = path.resolve(parsed.values.shots);
// --first-item NAME=PX: at 375 px, that email's first item (the card of its first <h2>) starts
// at most PX from the top: the reader sees it on the first screen.
const firstItemMax = new Map(
  (parsed.values['first-item'] || []).map((arg) => {
    const [n, px] = arg.split('=');
    if (!n || !(Number(px) > 0)) usage(`--first-item ${arg}: expected NAME=PX`);
    return [n, Number(px)];
  }),
);
fs.mkdirSync(shots, { recursive: true });

/** Runs in the page: every visible text node's contrast, and what the page looks like. */
function measure() {
  const channels = (css) => {
    const m = css.match(/rgba?\(([^)]*)\)/);
    if (!m) throw new Error(`unexpected colour ${css}`);
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat(1);
  };
  const luminance = (c) => {
    const lin = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  };
  const ratio = (a, b) => {
    const [la, lb] = [luminance(a), luminance(b)];
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  };
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  // The canvas behind everything: Chromium paints it dark when the page allows a dark scheme.
  const canvas = matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = channels(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : canvas;
    while (layers.length) bg = over(layers.pop(), bg);
    return bg;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };

  const failures = [];
  const overlaps = [];
  let checked = 0;
  let lowest = null;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const el = node.parentElement;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    const style = getComputedStyle(el);
    if (rects.length === 0 || style.visibility !== 'visible') continue;
    // Lines of one text drawn over each other: a line height under the font's size.
    const lineHeight = parseFloat(style.lineHeight);
    if (rects.length > 1 && lineHeight < parseFloat(style.fontSize)) {
      overlaps.push(`"${text.slice(0, 40)}": ${style.fontSize} text on ${style.lineHeight} lines`);
    }
    const bg = background(el);
    const fg = channels(style.color);
    const shown = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const r = ratio(shown, bg);
    checked += 1;
    const found = { text: text.slice(0, 60), fg: hex(shown), bg: hex(bg), ratio: Math.round(r * 100) / 100, needed };
    if (!lowest || r < lowest.ratio) lowest = found;
    if (r < needed) failures.push(found);
  }

  const page = channels(getComputedStyle(document.body).backgroundColor);
  const padding = (selector) => {
    const el = document.querySelector(selector);
    return el ? [parseFloat(getComputedStyle(el).paddingLeft), parseFloat(getComputedStyle(el).paddingRight)] : null;
  };
  // The widest element, to name the culprit when the page scrolls sideways.
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (!widest || right > widest.right) widest = { right: Math.round(right), tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim().slice(0, 60) };
  }
  const logo = document.querySelector('img');
  // The Chief Executive's message set apart: its card's top border or background differs from
  // every other card's.
  const cardLook = (td) => {
    const st = getComputedStyle(td);
    return `${st.borderTopWidth} ${st.borderTopStyle} ${st.borderTopColor} / ${st.backgroundColor}`;
  };
  const messageCard = document.getElementById('message')?.closest('td');
  const otherCards = [...document.querySelectorAll('h2')].map((h) => h.closest('td')).filter((td) => td !== messageCard);
  const message = messageCard && { look: cardLook(messageCard), same: otherCards.filter((td) => cardLook(td) === cardLook(messageCard)).length, others: otherCards.length };
  // "Join online": a button a finger can hit.
  const joins = [...document.querySelectorAll('a')].filter((a) => a.textContent.trim() === 'Join online').map((a) => Math.round(a.getBoundingClientRect().height));
  const firstHeading = document.querySelector('h2');
  const firstItem = firstHeading && firstHeading.closest('td');
  // In-page links: Outlook for Windows and Gmail's webmail follow only a named anchor.
  const inPage = [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href').slice(1));
  const unnamed = [...new Set(inPage)].filter((x) => !document.querySelector(`a[name="${CSS.escape(x)}"]`) || !document.getElementById(x));
  return {
    joins,
    message,
    firstItemTop: firstItem ? Math.round(firstItem.getBoundingClientRect().top + window.scrollY) : null,
    overlaps,
    inPage: inPage.length,
    unnamed,
    checked,
    failures,
    lowest,
    pageLuminance: luminance(page),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest,
    padding: { card: padding('td.c'), header: padding('td.h'), footer: padding('td.f:last-child') },
    logo: logo && { complete: logo.complete, natural: logo.naturalWidth, width: logo.getBoundingClientRect().width, right: logo.getBoundingClientRect().right },
  };
}

/** A stand-in logo: a wordmark drawn by Chromium itself and taken as a PNG. */
async function makeLogo(browser) {
  const page = await browser.newPage({ viewport: { width: 400, height: 100 } });
  await page.setContent(
    '<body style="margin:0"><div style="width:400px;height:100px;background:#7A2E5C;color:#fff;' +
      'font:bold 44px Arial,sans-serif;display:flex;align-items:center;justify-content:center">Essex LMCs</div></body>',
  );
  const png = await page.screenshot({ type: 'png' });
  await page.close();
  return png;
}

let failed = 0;
const report = (ok, line) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  if (!ok) failed += 1;
};

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const logoPng = await makeLogo(browser);
  for (const { name, file } of emails) {
    for (const width of WIDTHS) {
      for (const scheme of SCHEMES) {
        const where = `${name} at ${width} px, ${scheme}`;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
        await page.route('**/*', (route) => {
          const req = route.request();
          if (req.url().startsWith('file:')) return route.continue();
          if (req.resourceType() === 'image' && req.url().startsWith('https://')) {
            return route.fulfill({ status: 200, contentType: 'image/png', body: logoPng });
          }
          errors.push(`the email loads ${req.url()} (${req.resourceType()})`);
          return route.abort();
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const m = await page.evaluate(measure);
        // As a mail program that drops <style> shows it (Gmail's apps with a non-Google
        // account): what matters is inline, so every text still reaches AA in light mode.
        let bare = null;
        if (scheme === 'light') {
          await page.evaluate(() => document.querySelectorAll('style').forEach((s) => s.remove()));
          bare = await page.evaluate(measure);
          await page.screenshot({ path: path.join(shots, `${name}-${width}-nostyle.png`), fullPage: true });
        }
        const shot = path.join(shots, `${name}-${width}-${scheme}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        await context.close();

        report(errors.length === 0, `${where}: ${errors.length ? errors.join('; ') : 'loads nothing but its logo'}`);
        report(
          m.scrollWidth <= m.innerWidth,
          `${where}: ${m.scrollWidth <= m.innerWidth ? 'no horizontal scrolling' : `the page is ${m.scrollWidth} px wide (widest: <${m.widest.tag}> to ${m.widest.right} px, "${m.widest.text}")`}`,
        );
        const dark = m.pageLuminance < 0.05;
        report(dark === (scheme === 'dark'), `${where}: the page background is ${dark ? 'dark' : 'light'}`);
        for (const [what, r] of [['', m], [', without <style>', bare]]) {
          if (!r) continue;
          report(r.overlaps.length === 0, `${where}${what}: ${r.overlaps.length ? `lines overlap: ${r.overlaps.join('; ')}` : 'no text has lines closer than its size'}`);
        }
        if (bare) {
          const low = bare.lowest;
          report(
            bare.failures.length === 0 && bare.checked > 0,
            `${where}, without <style>: ${bare.checked} text nodes, lowest contrast ${low ? `${low.ratio}:1 ("${low.text}", ${low.fg} on ${low.bg})` : 'none'}` +
              bare.failures.map((f) => `\n       under ${f.needed}:1: ${f.ratio}:1 "${f.text}" ${f.fg} on ${f.bg}`).join(''),
          );
        }
        const low = m.lowest;
        report(
          m.failures.length === 0 && m.checked > 0,
          `${where}: ${m.checked} text nodes, lowest contrast ${low ? `${low.ratio}:1 ("${low.text}", ${low.fg} on ${low.bg})` : 'none'}` +
            m.failures.map((f) => `\n       under ${f.needed}:1: ${f.ratio}:1 "${f.text}" ${f.fg} on ${f.bg}`).join(''),
        );
        if (width < PHONE_MAX) {
          const { card, header, footer } = m.padding;
          const same = [header, footer].every((p) => !p || (p[0] === card[0] && p[1] === card[1]));
          report(same, `${where}: side padding of cards ${card}, header ${header}, footer ${footer}`);
        }
        report(
          m.inPage > 0 && m.unnamed.length === 0,
          `${where}: ${m.inPage} in-page links, ${m.unnamed.length ? `no <a name> and id for #${m.unnamed.join(', #')}` : 'each to an <a name> and an id'}`,
        );
        if (m.joins.length) {
          report(m.joins.every((h) => h >= 44), `${where}: "Join online" is ${m.joins.join(', ')} px tall (at least 44)`);
        }
        if (m.message) {
          report(
            m.message.same === 0 && m.message.others > 0,
            `${where}: the message's card (${m.message.look}) ${m.message.same ? `looks like ${m.message.same} other card(s)` : `differs from the ${m.message.others} other cards`}`,
          );
        }
        if (width === 375 && scheme === 'light' && firstItemMax.has(name)) {
          const max = firstItemMax.get(name);
          report(m.firstItemTop !== null && m.firstItemTop <= max, `${where}: the first item starts ${m.firstItemTop} px down (at most ${max})`);
        } else {
          console.log(`     the first item starts ${m.firstItemTop} px down`);
        }
        if (m.logo) {
          const shown = m.logo.complete && m.logo.natural > 0 && m.logo.right <= m.innerWidth;
          report(shown, `${where}: the logo is shown, ${Math.round(m.logo.width)} px wide`);
        }
        console.log(`     screenshot ${shot}`);
      }
    }
  }
} finally {
  await browser.close();
}
if (failed) {
  console.log(`${failed} check(s) failed`);
  process.exit(1);
}
console.log('all checks passed');
