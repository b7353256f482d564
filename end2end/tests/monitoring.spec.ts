// Monitoring as an administrator connects it: a Grafana and a PagerDuty integration added in the
// browser, each shown its token once, their real payloads (the fixtures the parsers are tested
// on) opening an incident that the list shows, and the resolved delivery resolving it.
import { type Page, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { newPerson, signIn, unique, waitForHydration, test } from "./helpers";

const fixture = async (name: string) =>
  JSON.parse(await readFile(join(__dirname, "../../app/shared/src/domain/alerts/fixtures", `${name}.json`), "utf8"));

/** Adds an integration in the browser; returns its id and the token shown once. */
async function addIntegration(page: Page, name: string, source: string, secret = ""): Promise<{ id: number; token: string }> {
  await page.goto("/admin/integrations");
  await waitForHydration(page);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByLabel("Source").selectOption(source);
  if (secret) await page.getByRole("textbox", { name: "Signing secret", exact: true }).fill(secret);
  await page.getByRole("button", { name: "Add integration" }).click();
  const token = (await page.getByTestId("integration-token").textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  const url = (await page.locator("section[aria-labelledby='shown-once-heading'] code").filter({ hasText: "/hooks/" }).first().textContent())!;
  return { id: Number(url.match(/\/hooks\/[a-z]+\/(\d+)/)![1]), token };
}

async function incidentTitled(page: Page, title: string) {
  await page.goto(`/incidents?q=${encodeURIComponent(title)}`);
  const row = page.getByTestId("incident-row").filter({ hasText: title });
  await expect(row).toHaveCount(1);
  return row;
}

// Each test signs in as an administrator of its own: the token shown once belongs to the session
// that made it, and another test's visit to the integrations page must not take it.
test.use({ storageState: { cookies: [], origins: [] } });
test.beforeEach(async ({ page, baseURL }) => {
  await signIn(page, await newPerson(baseURL!, "admin"));
});

test("a Grafana alert opens an incident, and its resolution resolves it", async ({ page }) => {
  const { id, token } = await addIntegration(page, unique("Grafana"), "grafana");
  const name = unique("Checkout failures");
  const body = await fixture("grafana_firing");
  body.alerts = [body.alerts[0]];
  body.alerts[0].labels.alertname = name;
  body.alerts[0].annotations.summary = name;
  body.alerts[0].fingerprint = Date.now().toString(16);
  body.alerts[0].startsAt = new Date(Date.now() - 120_000).toISOString();
  body.groupKey = `{}:{alertname="${name}"}`;
  const post = (payload: unknown) =>
    page.request.post(`/hooks/grafana/${id}`, { headers: { Authorization: `Bearer ${token}` }, data: payload });
  const firing = await post(body);
  expect(firing.status(), await firing.text()).toBe(200);
  const opened = (await firing.json()).opened[0];
  const row = await incidentTitled(page, name);
  await expect(row).toContainText("Triggered");
  await page.goto(`/incidents/${opened}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);

  body.status = "resolved";
  body.alerts[0].status = "resolved";
  body.alerts[0].endsAt = new Date().toISOString();
  const resolved = await post(body);
  expect(resolved.status(), await resolved.text()).toBe(200);
  expect((await resolved.json()).resolved).toEqual([opened]);
  await page.reload();
  await expect(page.getByTestId("incident-status")).toContainText("Resolved");
});

test("a signed PagerDuty incident opens an incident, and its resolution resolves it", async ({ page }) => {
  const secret = "a pagerduty subscription secret";
  const { id } = await addIntegration(page, unique("PagerDuty"), "pagerduty", secret);
  const title = unique("[FIRING:1] LedgerLag ledger");
  const key = Date.now().toString(36).toUpperCase();
  const event = async (name: string) => {
    const body = await fixture(name);
    body.event.id = `${key}${name.length}`;
    body.event.occurred_at = new Date().toISOString();
    body.event.data.id = `Q${key}`;
    body.event.data.title = title;
    body.event.data.created_at = new Date(Date.now() - 60_000).toISOString();
    return JSON.stringify(body);
  };
  const post = (raw: string, signature = `v1=${createHmac("sha256", secret).update(raw).digest("hex")}`) =>
    page.request.post(`/hooks/pagerduty/${id}`, {
      headers: { "Content-Type": "application/json", "X-PagerDuty-Signature": signature },
      data: raw,
    });
  const triggered = await event("pagerduty_triggered");
  expect((await post(triggered, "v1=00")).status(), "a wrong signature is refused").toBe(401);
  const first = await post(triggered);
  expect(first.status(), await first.text()).toBe(200);
  const opened = (await first.json()).opened[0];
  await incidentTitled(page, title);

  const resolved = await post(await event("pagerduty_resolved"));
  expect(resolved.status(), await resolved.text()).toBe(200);
  await page.goto(`/incidents/${opened}`);
  await expect(page.getByTestId("incident-status")).toContainText("Resolved");
});
