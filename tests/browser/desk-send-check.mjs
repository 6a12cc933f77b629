// Does one thing on a running desk's Send page in Debian's headless Chromium, as the office
// would, and prints what the page showed (tests/desk.rs checks the mail that arrived):
//
//   node tests/browser/desk-send-check.mjs --url URL --name 2021-10-20.yaml --do test --to ADDRESS
//   ... --do dry-run            "Who would get it"
//   ... --do report             Replies: "Who got each issue"
//   ... --do approve --as NAME  "Approved by" NAME, "Approve this version"; prints what the page
//                               then says about approval
//   ... --do sign-in            "Sign in to send", then "Open the sign-in page" (the provider's
//                               page, in a new tab); prints what the Signing-in card says
//                               before and after
//   ... --do send --until progress|done
//                               "Send to the list" (the confirmation accepted), then waits for the
//                               first progress line or for the end
//
// Prints the page's output lines, then `ok: ...`; exits 1 if the page did not do it.

import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const WAIT_MS = 30_000;
const opts = parseArgs({
  options: {
    url: { type: 'string' },
    name: { type: 'string' },
    do: { type: 'string' },
    to: { type: 'string' },
    until: { type: 'string', default: 'done' },
    as: { type: 'string' },
  },
}).values;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => d.accept());
  await page.goto(opts.url);
  const nav = page.getByRole('navigation', { name: 'Desk' });
  const status = page.locator('#job-status');
  if (opts.do === 'report') {
    await nav.getByRole('link', { name: 'Replies', exact: true }).click();
    await page.waitForLoadState('load');
    await page.getByRole('button', { name: 'Who got each issue' }).click();
  } else {
    await nav.getByRole('link', { name: 'Send', exact: true }).click();
    const day = new Date(`${opts.name.slice(0, 10)}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    await page.getByRole('heading', { name: `Send: ${day}` }).waitFor();
  }
  // desk.js runs at the page's end: its buttons do nothing until then.
  await page.waitForLoadState('load');
  if (opts.do === 'approve') {
    console.log(`before: ${await page.locator('#approval').textContent()}`);
    // To look at: the Approval card waiting, at 1280 and 768 px.
    const shots = new URL('../../target/desk-shots/', import.meta.url).pathname;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}send-approval-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 768, height: 900 });
    await page.screenshot({ path: `${shots}send-approval-768.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel('Approved by').selectOption(opts.as);
    await page.getByRole('button', { name: 'Approve this version' }).click();
    // The page comes back from the desk (a new page): locators wait through the navigation.
    await page.locator('#approval', { hasText: /^Approved by/ }).waitFor({ timeout: WAIT_MS });
    console.log(`after: ${await page.locator('#approval').textContent()}`);
    if (errors.length) throw new Error(errors.join('\n'));
    console.log('ok: approve');
  } else if (opts.do === 'sign-in') {
    console.log(`before: ${await page.locator('#sign-in p').first().textContent()}`);
    await page.getByRole('button', { name: 'Sign in to send' }).click();
    const link = page.getByRole('link', { name: 'Open the sign-in page' });
    await link.waitFor({ timeout: WAIT_MS });
    console.log(`link: ${await link.getAttribute('href')}`);
    const shots = new URL('../../target/desk-shots/', import.meta.url).pathname;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}send-sign-in-1280.png`, fullPage: true });
    // The provider's page opens in a tab of its own and, signed in, hands the answer to
    // bulletin's address on this computer, which ends the run.
    const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    console.log(`tab: ${await tab.locator('body').textContent()}`);
  } else if (opts.do === 'report') {
    // Asked for above.
  } else if (opts.do === 'test') {
    await page.getByLabel('Send a test copy to').fill(opts.to);
    await page.getByRole('button', { name: 'Send a test copy' }).click();
  } else if (opts.do === 'dry-run') {
    await page.getByRole('button', { name: 'Who would get it' }).click();
  } else {
    await page.getByRole('button', { name: 'Send to the list' }).click();
  }
  if (opts.do === 'approve') {
    // Done above.
  } else if (opts.until === 'progress') {
    await page.waitForFunction(() => /progress: [1-9]/.test(document.getElementById('job-output').textContent), null, { timeout: WAIT_MS });
  } else {
    await page.waitForFunction(() => /^(Finished|Stopped)/.test(document.getElementById('job-status').textContent), null, { timeout: WAIT_MS });
  }
  if (opts.do !== 'approve') {
    console.log(await page.locator('#job-output').textContent());
    if (errors.length) throw new Error(errors.join('\n'));
    console.log(`ok: ${opts.do}: ${await status.textContent()}`);
  }
  if (opts.do === 'sign-in') {
    await page.reload();
    console.log(`after: ${await page.locator('#sign-in p').first().textContent()}`);
  }
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e.message}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
