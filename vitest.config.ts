import { defineConfig } from 'vitest/config'

// Projects: node tests and the command line's end-to-end tests on two workers, then renderer
// component tests in jsdom, then the browser and desktop end-to-end tests (real processes, real
// Chromium) one file at a time.
const CLI_E2E = ['backend-down', 'config-cli', 'owner-race', 'serve-host', 'unhandled-rejection', 'worker-cli', 'worker-crash', 'worker-shutdown'].map((name) => `tests/e2e/${name}.test.ts`)

export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'tests/conformance/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          exclude: ['tests/unit/renderer/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 0 }
        }
      },
      {
        // The command line's own end-to-end tests: processes that mostly wait (retry schedules,
        // deadlines, locks), so they share the first group's workers instead of adding to the
        // one-file-at-a-time group below; their timeouts are the end-to-end ones.
        test: {
          name: 'cli',
          environment: 'node',
          include: CLI_E2E,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['tests/unit/renderer/**/*.test.{ts,tsx}'],
          testTimeout: 20_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 }
        }
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          exclude: CLI_E2E,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 2 }
        }
      }
    ]
  }
})
