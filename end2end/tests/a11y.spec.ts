// Accessibility as axe-core judges it: every page an administrator reaches (lists, one record of
// each kind, every step of a meeting, the forms, the administration pages) and the sign-in page,
// in the light and the dark colour scheme and at phone width, with no critical or serious
// violation (contrast included).
import AxeBuilder from "@axe-core/playwright";
import { type Page, expect } from "@playwright/test";
import { newPerson, signIn, waitForHydration, test } from "./helpers";

// What a page looks like does not depend on the database: checked once, on the SQLite run.
test.skip(process.env.E2E_ENGINE === "postgres", "pages render the same on both engines");

/** The list pages; one record of each kind is found from them. */
const LISTS = [
  "/services", "/services/new", "/incidents", "/incidents/new", "/postmortems", "/postmortems/new", "/problems",
  "/problems/new", "/backlog", "/actions", "/deployments", "/changes", "/changes?review=pending", "/dashboard", "/account",
  "/admin/users", "/admin/integrations", "/admin/github", "/admin/templates", "/admin/audit",
];

/** The first record page each list links to (`/incidents/12`, ...). */
async function records(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const [list, pattern] of [
    ["/services", /^\/services\/[a-z0-9-]+$/],
    ["/incidents", /^\/incidents\/\d+$/],
    ["/problems", /^\/problems\/\d+$/],
    ["/postmortems", /^\/postmortems\/\d+$/],
  ] as const) {
    await page.goto(list);
    const hrefs = await page.$$eval("main a[href^='/']", (as) => as.map((a) => a.getAttribute("href") ?? ""));
    const first = hrefs.find((h) => pattern.test(h) && !h.endsWith("/new"));
    expect(first, `a record linked from ${list}`).toBeTruthy();
    found.push(first!);
  }
  const meeting = found[found.length - 1];
  for (const step of ["timeline", "factors", "actions", "review"]) found.push(`${meeting}?step=${step}`);
  found.push(`${found[1]}/edit`, `${found[0]}/edit`, `${meeting}/print`);
  return found;
}

/** Critical and serious violations on the page, one line each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .flatMap((v) => v.nodes.slice(0, 3).map((n) => `${v.id}: ${n.target.join(" ")} ${n.failureSummary?.split("\n")[1] ?? ""}`));
}

for (const scheme of ["light", "dark"] as const) {
  test.describe(`in the ${scheme} colour scheme`, () => {
    // An administrator of its own: this walk loads every page, and must not take the notices and
    // tokens shown once that other tests' demo sessions are waiting for.
    test.use({ colorScheme: scheme, storageState: { cookies: [], origins: [] } });

    test("every page passes axe", async ({ page, baseURL }) => {
      test.setTimeout(240_000);
      await signIn(page, await newPerson(baseURL!, "admin"));
      const pages = [...LISTS, ...(await records(page))];
      const found: string[] = [];
      for (const path of pages) {
        await page.goto(path);
        await waitForHydration(page);
        for (const line of await violations(page)) found.push(`${path} ${line}`);
      }
      expect(found, `axe on ${pages.length} pages`).toEqual([]);
    });

    test("the sign-in page and a meeting on a phone pass axe", async ({ browser, baseURL }) => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 390, height: 844 }, storageState: { cookies: [], origins: [] } });
      const page = await context.newPage();
      await page.goto("/sign-in");
      const found = (await violations(page)).map((l) => `/sign-in ${l}`);
      await context.close();
      const phone = await browser.newContext({ colorScheme: scheme, viewport: { width: 390, height: 844 }, storageState: { cookies: [], origins: [] } });
      const meeting = await phone.newPage();
      await signIn(meeting, await newPerson(baseURL!));
      await meeting.goto("/postmortems");
      const link = await meeting.locator("main a[href^='/postmortems/']").filter({ hasNotText: "Start" }).first().getAttribute("href");
      await meeting.goto(link!);
      await waitForHydration(meeting);
      found.push(...(await violations(meeting)).map((l) => `${link} ${l}`));
      await phone.close();
      expect(found).toEqual([]);
    });
  });
}
