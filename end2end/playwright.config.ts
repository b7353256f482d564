// Playwright settings: the system's Chromium, headless, against the server that scripts/e2e.sh starts.
import { defineConfig } from "@playwright/test";

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  // The JSON report lets scripts/e2e.sh repeat each failure's message at the very end of its
  // output, after the server logs, where a CI excerpt shows it.
  reporter: [["list"], ["json", { outputFile: "test-results/report.json" }], ...(process.env.CI ? [] : [["html", { open: "never" }] as const])],
  projects: [
    // Signs the demo accounts in once and saves their cookies for the other tests.
    { name: "sign-in", testMatch: /.*\.setup\.ts/ },
    { name: "app", testIgnore: /.*\.setup\.ts/, dependencies: ["sign-in"] },
  ],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
