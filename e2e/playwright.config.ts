import { defineConfig } from '@playwright/test'

/**
 * End-to-end tests of the demo site in Debian's Chromium (never a downloaded browser). Each spec
 * starts its own mock gateway and demo server on 127.0.0.1 with free ports and stops them after.
 * The real-gateway suite (real-gateway/) has its own config.
 */
export default defineConfig({
  testDir: './specs',
  globalSetup: './fixtures/global-setup.ts',
  outputDir: './test-results',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: '../.test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
})
