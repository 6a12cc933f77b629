// The system Chromium every browser check drives through playwright-core, and how it is
// started: headless, no sandbox (tests run as root in CI), and nothing that reaches the network
// on its own (background updates, sync, QUIC), so that only 127.0.0.1 is ever connected to.

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
