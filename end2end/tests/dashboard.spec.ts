// The dashboard as the problem manager reads it: the seeded demo's recovery, incident and change
// figures, a filter narrowing them, a chart's numbers agreeing with its picture and the totals, the
// CSV export carrying the same total, and a deployment recorded through the webhook counting once.
//
// Other spec files declare incidents while this one runs (on payments-api, search, ledger…), so
// incident counts are compared within one page, or re-read until two reads agree (toPass), never
// against fixed numbers other than lower bounds. Deployments are only ever created by the demo
// seed and by the last test here, so this file runs its tests in order in one worker.
import { type Locator, type Page, expect } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { storageFor, unique, waitForHydration, test, watchErrors } from "./helpers";

/**
 * Production deployments the demo seeds over the last 90 days (server/backend/src/seed_deployments.rs):
 * every 3 days for payments-api (30), 2 for checkout-web (45), 7 for ledger (13), 4 for search (23)
 * and 5 for notifications (18), from 89 days ago to today, plus payments-api v2.41 (before the
 * card-payments incident) and the checkout-web bundler upgrade (before the Safari incident).
 */
const SEEDED_DEPLOYMENTS_90_DAYS = 131;
/** Of those, linked to an incident: v2.41 automatically, the bundler upgrade by hand. */
const SEEDED_FAILED_DEPLOYMENTS = 2;

test.describe.configure({ mode: "default" });
test.use({ storageState: storageFor("pm") });

/** The dashboard's filter form. */
const filters = (page: Page) => page.getByRole("search", { name: "Dashboard period and filters" });

/** A figure's number, e.g. the incidents total. */
async function figure(page: Page, testid: string): Promise<number> {
  const text = (await page.getByTestId(testid).textContent())?.trim() ?? "";
  expect(text, `figure ${testid}`).toMatch(/^\d+$/);
  return Number(text);
}

/** Opens a chart's "Numbers" table and reads its rows as label → value. */
async function chartNumbers(chart: Locator): Promise<Map<string, number>> {
  const details = chart.locator("details.chart-data");
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await details.getByText("Numbers", { exact: true }).click();
  }
  const table = details.getByRole("table");
  await expect(table).toBeVisible();
  const rows = new Map<string, number>();
  for (const row of await table.locator("tbody tr").all()) {
    const label = (await row.getByRole("rowheader").textContent())!.trim();
    const value = (await row.getByRole("cell").first().textContent())!.trim();
    expect(value, `value of ${label}`).toMatch(/^\d+(\.\d+)?$/);
    rows.set(label, Number(value));
  }
  return rows;
}

/** Opens the dashboard for `query` and waits for the app to take over. */
async function openDashboard(page: Page, query: string) {
  await page.goto(`/dashboard?${query}`);
  await waitForHydration(page);
  await expect(page.getByTestId("incidents-total")).toBeVisible();
}

test("the dashboard shows the seeded demo's figures", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("/services");
  await waitForHydration(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page).toHaveTitle("Dashboard · Postmortem");
  // Thirty days by default.
  const form = filters(page);
  await expect(form.getByLabel("Period")).toHaveValue("30");
  await expect(page.getByTestId("incidents-total")).toHaveText(/^\d+$/);

  // The last 90 days, through the form.
  await form.getByLabel("Period").selectOption({ label: "Last 90 days" });
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/dashboard\?(.*&)?range=90(&|$)/);
  await waitForHydration(page);
  await expect(filters(page).getByLabel("Period")).toHaveValue("90");
  await expect(page.getByTestId("period")).toContainText(/\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);

  // Detection and recovery: a mean, a median and how many incidents each is over.
  for (const measure of ["detect", "acknowledge", "mitigate", "resolve"]) {
    const card = page.getByTestId(`figure-${measure}`);
    await expect(card).toBeVisible();
    await expect(card.locator(".figure-value")).toHaveText(/^\d+[smhd]/);
    await expect(card.locator(".figure-detail")).toHaveText(/^median \d+[smhd].* · [1-9]\d* incidents?$/);
    await expect(card).toHaveAttribute("href", /^\/incidents\?/);
  }
  // The demo's seven incidents at least (other tests add more).
  expect(await figure(page, "incidents-total")).toBeGreaterThanOrEqual(7);
  expect(await figure(page, "incidents-open")).toBeLessThanOrEqual(await figure(page, "incidents-total"));

  // Changes: only the demo records deployments.
  await expect(page.getByTestId("deployments")).toHaveText(String(SEEDED_DEPLOYMENTS_90_DAYS));
  await expect(page.getByTestId("deployments-failed")).toHaveText(String(SEEDED_FAILED_DEPLOYMENTS));
  const rate = Math.round((SEEDED_FAILED_DEPLOYMENTS / SEEDED_DEPLOYMENTS_90_DAYS) * 100);
  await expect(page.getByTestId("change-failure-rate")).toHaveText(new RegExp(`^${rate} ?%$`));
  await expect(page.getByTestId("deploy-frequency")).toHaveText(/^\d+\.\d$/);
  const failures = page.getByTestId("failed-deployment");
  await expect(failures).toHaveCount(SEEDED_FAILED_DEPLOYMENTS);
  await expect(failures.filter({ hasText: "v2.41" })).toContainText("Card payments declined");
  expect(errors).toEqual([]);
});

test("the change gate's KPIs show how changes went through it", async ({ page }) => {
  await page.goto("/dashboard?range=90");
  const gate = page.locator("section.panel").filter({ has: page.getByRole("heading", { name: "Change gate" }) });
  // The demo's changes (other tests add more while this runs: lower bounds only).
  expect(Number(await gate.getByTestId("gate-changes").textContent())).toBeGreaterThanOrEqual(5);
  await expect(gate.getByTestId("gate-validated")).toHaveText(/\d+ %/);
  await expect(gate.getByTestId("gate-review-wait")).not.toHaveText("");
  const byRoute = gate.getByTestId("gate-by-route");
  for (const route of ["Auto-approved", "Reviewed, approved", "Reviewed, rejected", "Denied", "Emergency"]) {
    await expect(byRoute.getByRole("rowheader", { name: route, exact: true })).toBeVisible();
  }
  await expect(gate.getByTestId("gate-by-kind").getByRole("rowheader", { name: "Emergency", exact: true })).toBeVisible();
});

test("a filter narrows the figures to one service", async ({ page }) => {
  test.slow();
  const errors = watchErrors(page);
  // Other tests declare Search incidents now and then: read the chart and the filtered total
  // again if one came in between.
  await expect(async () => {
    await openDashboard(page, "range=90");
    const all = await figure(page, "incidents-total");
    const byService = await chartNumbers(page.getByTestId("chart-service"));
    const search = byService.get("Search");
    expect(search, "a Search row in Incidents by service").toBeGreaterThan(0);

    const form = filters(page);
    await expect(form.getByLabel("Service")).toHaveValue("");
    await form.getByLabel("Service").selectOption({ label: "Search" });
    await form.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]service=search(&|$)/);
    await expect(page).toHaveURL(/[?&]range=90(&|$)/);
    await expect(filters(page).getByLabel("Service")).toHaveValue("search");
    await expect(page.getByTestId("incidents-total")).toHaveText(String(search), { timeout: 5_000 });
    expect(search!).toBeLessThan(all);
  }).toPass({ timeout: 60_000 });

  // Every incident left is a Search incident.
  const byService = await chartNumbers(page.getByTestId("chart-service"));
  expect(byService.get("Search")).toBe(await figure(page, "incidents-total"));

  // A severity on top narrows it to that severity alone.
  await filters(page).getByLabel("Severity").selectOption("SEV3");
  await filters(page).getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]severity=SEV3(&|$)/);
  await expect(page).toHaveURL(/[?&]service=search(&|$)/);
  await expect(filters(page).getByLabel("Severity")).toHaveValue("SEV3");
  const bySeverity = await chartNumbers(page.getByTestId("chart-severity"));
  expect([...bySeverity.keys()]).toEqual(["SEV3"]);
  expect(bySeverity.get("SEV3")).toBe(await figure(page, "incidents-total"));
  expect(errors).toEqual([]);
});

test("a chart's numbers match its bars and the total", async ({ page }) => {
  await openDashboard(page, "range=90");
  const chart = page.getByTestId("chart-severity");
  // The picture has a name, and the numbers are hidden until asked for. Its bars are links, so it
  // is a group of them (an image's parts could not be focused: axe's nested-interactive).
  const svg = chart.getByRole("group", { name: "Incidents by severity" });
  await expect(svg).toBeVisible();
  await expect(chart.locator("figcaption")).toHaveText("Incidents by severity");
  await expect(chart.locator("details.chart-data table")).toBeHidden();

  const numbers = await chartNumbers(chart);
  expect(numbers.size).toBeGreaterThan(0);
  for (const label of numbers.keys()) expect(label).toMatch(/^SEV[1-4]$/);
  const sum = [...numbers.values()].reduce((a, b) => a + b, 0);
  expect(sum).toBe(await figure(page, "incidents-total"));

  // Each bar carries the same number as its tooltip, and links to its incidents.
  const tooltips = await svg.locator("g.bar > title").allTextContents();
  expect(tooltips).toEqual([...numbers].map(([label, value]) => `${label}: ${value}`));
  const first = [...numbers.keys()][0];
  await expect(svg.locator("a").first()).toHaveAttribute("href", new RegExp(`^/incidents\\?severity=${first}&`));
});

test("the CSV export carries the page's figures", async ({ page }) => {
  test.slow();
  await expect(async () => {
    await openDashboard(page, "range=90");
    const total = await figure(page, "incidents-total");
    const link = page.getByTestId("csv");
    await expect(link).toHaveAttribute("href", "/dashboard.csv?range=90");
    const downloading = page.waitForEvent("download");
    await link.click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^postmortem-dashboard-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile(await download.path(), "utf8");
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toBe("section,figure,breakdown,value,count,unit");
    const row = lines.find((l) => l.startsWith("incidents,incidents,all,"));
    expect(row, text).toBeDefined();
    const [, , , value, count, unit] = row!.split(",");
    expect(Number(value)).toBe(total);
    expect(Number(count)).toBe(total);
    expect(unit).toBe("count");
    const deployments = lines.find((l) => l.startsWith("changes,deployments,all,"));
    expect(deployments?.split(",")[4]).toBe(String(await figure(page, "deployments")));
  }).toPass({ timeout: 60_000 });

  // The link follows the filters.
  await filters(page).getByLabel("Service").selectOption({ label: "Search" });
  await filters(page).getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]service=search(&|$)/);
  await expect(page.getByTestId("csv")).toHaveAttribute("href", "/dashboard.csv?range=90&service=search");
});

test("a deployment recorded by the webhook counts once", async ({ page, request }) => {
  test.slow();
  const errors = watchErrors(page);
  // An API token, from the account page.
  await page.goto("/services");
  await waitForHydration(page);
  await page.getByRole("link", { name: /Pat Problem-Manager/ }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Token name").fill(unique("Deploy pipeline"));
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^pmt_[0-9a-f]{64}$/);

  await openDashboard(page, "range=7");
  const before = await figure(page, "deployments");
  expect(before).toBeGreaterThan(0);

  // A day ago, so that it cannot be blamed for any incident another test opens meanwhile.
  const id = unique("e2e-deploy").replace(/\s+/g, "-");
  const body = {
    id,
    service: "search",
    version: `v9.9-${id}`,
    environment: "production",
    deployed_at: new Date(Date.now() - 24 * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
  };
  const headers = { Authorization: `Bearer ${token}` };
  const refused = await request.post("/hooks/deployments", { headers: { Authorization: "Bearer pmt_nope" }, data: body });
  expect(refused.status()).toBe(401);
  const created = await request.post("/hooks/deployments", { headers, data: body });
  expect(created.status(), await created.text()).toBe(201);
  const recorded = await created.json();
  expect(recorded).toMatchObject({ created: true, linked_incidents: [] });
  expect(recorded.id).toEqual(expect.any(Number));

  await openDashboard(page, "range=7");
  await expect(page.getByTestId("deployments")).toHaveText(String(before + 1));

  // The pipeline retries: the same id updates the deployment instead of adding one.
  const repeated = await request.post("/hooks/deployments", { headers, data: body });
  expect(repeated.status(), await repeated.text()).toBe(200);
  expect(await repeated.json()).toMatchObject({ id: recorded.id, created: false });
  await openDashboard(page, "range=7");
  await expect(page.getByTestId("deployments")).toHaveText(String(before + 1));

  // The demo's card-payments incident blames its release, from the change entry in its timeline.
  await page.goto("/incidents/1");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Card payments declined");
  const panel = page.getByTestId("deployments-panel");
  await expect(panel.getByRole("heading", { name: "Deployments" })).toBeVisible();
  const linked = panel.getByTestId("linked-deployment").filter({ hasText: "v2.41" });
  await expect(linked).toHaveCount(1);
  await expect(linked).toContainText("Payments API v2.41");
  await expect(linked).toContainText("production");
  await expect(linked).toContainText("a change entry in the timeline");
  await expect(linked.getByRole("button", { name: "Unlink" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a custom period and a team narrow the figures, and the figures open the lists they count", async ({ page }) => {
  test.slow();
  const errors = watchErrors(page);
  await openDashboard(page, "range=90");
  const ninety = await figure(page, "incidents-total");
  // A custom period, typed as dates, that ends yesterday (other tests declare incidents today).
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  const form = filters(page);
  await form.getByLabel("Period").selectOption("custom");
  await form.getByLabel("From", { exact: true }).fill(day(45));
  await form.getByLabel("To", { exact: true }).fill(day(1));
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]range=custom(&|$)/);
  await expect(page).toHaveURL(new RegExp(`[?&]from=${day(45)}(&|$)`));
  await expect(filters(page).getByLabel("From", { exact: true })).toHaveValue(day(45));
  await expect(filters(page).getByLabel("To", { exact: true })).toHaveValue(day(1));
  expect(await figure(page, "incidents-total")).toBeLessThanOrEqual(ninety);

  // A team keeps the incidents of its services: the Discovery team's Search is gone.
  await filters(page).getByLabel("Team").selectOption("Payments");
  await filters(page).getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]team=Payments(&|$)/);
  await expect(filters(page).getByLabel("Team")).toHaveValue("Payments");
  const byService = await chartNumbers(page.getByTestId("chart-service"));
  expect(byService.has("Search")).toBe(false);
  expect(byService.get("Payments API") ?? byService.get("Ledger")).toBeGreaterThan(0);

  // The deployment figures open the deployments they count.
  await openDashboard(page, "range=90");
  const failed = await figure(page, "deployments-failed");
  await page.getByTestId("deployments-failed").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Deployments linked to an incident");
  await expect(page.getByTestId("deployment-row")).toHaveCount(failed);
  await openDashboard(page, "range=90");
  await page.getByTestId("deployments").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Deployments");
  expect(await page.getByTestId("deployment-row").count()).toBeGreaterThan(failed);

  // An action-item row opens the list of those items.
  await openDashboard(page, "range=90");
  const kinds = page.getByTestId("actions-by-kind");
  const kind = (await kinds.locator("tbody th a").first().textContent())!.trim();
  await kinds.locator("tbody th a").first().click();
  await expect(page).toHaveURL(/\/actions\?/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Action items");
  const rows = page.getByTestId("action-row");
  expect(await rows.count()).toBeGreaterThan(0);
  for (const row of await rows.all()) await expect(row).toContainText(kind);
  expect(errors).toEqual([]);
});
