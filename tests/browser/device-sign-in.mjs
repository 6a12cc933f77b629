// Signs in with a device code in Debian's headless Chromium (through playwright-core) as a person
// on another device would, for `bulletin login --device` in tests/suite/oauth.rs: opens the
// provider's verification address, types the code bulletin printed, signs in on the provider's
// own sign-in page (oidc-provider's devInteractions: any login and password) and, on its consent
// page, allows the app, then checks the provider says the sign-in succeeded. With --deny it
// cancels on the consent page instead and checks the provider says so.
//
//   node tests/browser/device-sign-in.mjs --uri http://127.0.0.1:PORT/device --code ABCD-EFGH \
//     --login bulletin@example.org [--deny]
//
// Prints one line per step; exits 0 if all pass, 1 otherwise.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const WAIT_MS = 8_000;

const opts = parseArgs({
  options: {
    uri: { type: 'string' },
    code: { type: 'string' },
    login: { type: 'string' },
    deny: { type: 'boolean', default: false },
  },
}).values;
for (const name of ['uri', 'code', 'login']) {
  if (!opts[name]) {
    console.error(`device-sign-in: --${name} is required`);
    process.exit(2);
  }
}

class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};
const step = (message) => console.log(`ok: ${message}`);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bulletin-device-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  args: CHROMIUM_ARGS,
});
let failed = false;
try {
  context.setDefaultTimeout(WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The address bulletin printed, and the code typed as the person reads it.
  const opened = await page.goto(opts.uri);
  if (!opened.ok()) fail(`${opts.uri} answered ${opened.status()}`);
  await page.getByText('Enter the code displayed on your device').waitFor();
  await page.locator('input[name="user_code"]').fill(opts.code);
  await page.getByRole('button', { name: 'Continue' }).click();
  step('the code is taken');

  // The provider shows the same code to confirm it is this device's.
  await page.getByRole('heading', { name: 'Confirm Device' }).waitFor();
  const shown = (await page.locator('code').innerText()).trim();
  if (shown !== opts.code) fail(`the confirmation page shows the code ${shown}, not ${opts.code}`);
  await page.getByRole('button', { name: 'Continue' }).click();
  step('the device is confirmed');

  // The provider's own sign-in page.
  await page.locator('input[name="login"]').fill(opts.login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  step(`signed in as ${opts.login}`);

  // Its consent page: the app asks to send and to stay signed in.
  await page.getByText('the client is asking to have offline access').waitFor();
  if (opts.deny) {
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.getByText('The Sign-in request was interrupted').waitFor();
    step('the provider says the sign-in was interrupted');
  } else {
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Sign-in Success' }).waitFor();
    const said = await page.locator('p').innerText();
    if (!said.includes('Your sign-in with bulletin was successful')) fail(`the provider says: ${said}`);
    step('the provider says the sign-in with bulletin was successful');
  }
  if (errors.length) fail(`page errors: ${errors.join('; ')}`);
} catch (e) {
  failed = true;
  console.log(`FAILED: ${e instanceof CheckFailed ? e.message : e.stack}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
