import { defineConfig } from 'vitest/config'

/** What the packaged app would hold, checked against the built bundle. */
const BUILT_APP_INTEGRATION = 'tests/integration/packaging.test.ts'

export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // One pool of two workers for every project, so the files that mostly wait (retry schedules,
    // deadlines, a browser page) overlap the ones that compute instead of running after them; two,
    // because the machine has two cores and a third worker only slowed each file as much as it gained.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'tests/conformance/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          exclude: ['tests/unit/renderer/**', BUILT_APP_INTEGRATION],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks'
        }
      },
      {
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['tests/unit/renderer/**/*.test.{ts,tsx}'],
          testTimeout: 20_000
        }
      },
      {
        // Real processes (the command line, the headless console in Chromium, the desktop bundle)
        // and the packaged app's contents: the app is built once before any of them starts.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts', BUILT_APP_INTEGRATION],
          globalSetup: ['tests/support/built-app.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks'
        }
      }
    ]
  }
})
