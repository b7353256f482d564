// Incidents as people meet them: an alert opens one, a person declares, works and resolves one,
// impossible times are explained, the list filters, and a viewer only looks.
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import { storageFor, unique, utcInputMinutesAgo, waitForHydration, test, watchErrors } from "./helpers";

/** Demo services (server/backend/src/seed.rs); each has a runbook. */
const PAYMENTS = { slug: "payments-api", name: "Payments API", runbook: "https://runbooks.acme.example/payments-api" };

/** A token-like string for names, fingerprints and URLs. */
const tag = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A 16-hex-digit fingerprint, as Alertmanager sends. */
const fingerprint = () =>
  Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join("");

/** Declares an incident through its server function (as a script with the session would). */
async function declareThroughApi(
  request: APIRequestContext,
  incident: { title: string; services?: string; severity?: string; summary?: string; impact_started_at?: string },
): Promise<number> {
  const fields: Record<string, string> = { services: "", severity: "SEV3", commander: "", summary: "", ...incident };
  const form = Object.fromEntries(Object.entries(fields).map(([k, v]) => [`incident[${k}]`, v]));
  const response = await request.post("/api/incidents/declare", { form, headers: { Accept: "application/json" } });
  expect(response.status(), await response.text()).toBe(200);
  const created = await response.json();
  expect(typeof created.id).toBe("number");
  return created.id;
}

/** The row of the incident list with this title. */
const rowFor = (page: Page, title: string) =>
  page.getByTestId("incident-row").filter({ has: page.getByRole("link", { name: title, exact: true }) });

test.describe("an alert from Alertmanager", () => {
  test.use({ storageState: storageFor("admin") });

  test("opens an incident that shows its runbook, its alert and the timeline", async ({ page, browser, request, baseURL }) => {
    test.slow();
    // An administrator adds the integration and copies its token and address.
    const integrationName = unique("Alertmanager");
    await page.goto("/admin/integrations");
    await waitForHydration(page);
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(integrationName);
    await page.getByLabel("Source").selectOption("alertmanager");
    await page.getByRole("button", { name: "Add integration" }).click();
    const tokenBox = page.getByTestId("integration-token");
    await expect(tokenBox).toHaveText(/\S{16,}/);
    const token = (await tokenBox.textContent())!.trim();
    const row = page.getByTestId("integration-row").and(page.locator(`[data-name="${integrationName}"]`));
    await expect(row.getByTestId("webhook-url")).toHaveText(/\/hooks\/alertmanager\/\d+$/);
    const webhookUrl = (await row.getByTestId("webhook-url").textContent())!.trim();
    // The address is built from PUBLIC_BASE_URL; post to its path on the server under test.
    const hook = new URL(webhookUrl).pathname;

    // Monitoring fires an alert for a catalog service, with its own runbook.
    const id = tag();
    const alertname = `PaymentsApiErrors_${id}`;
    const summary = `Payments API returns 5xx for 7% of requests (${id})`;
    const runbook = `https://runbooks.example.com/${id}`;
    const print = fingerprint();
    const labels = { alertname, service: PAYMENTS.slug, severity: "critical", env: "production" };
    const payload = {
      version: "4",
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
      status: "firing",
      receiver: "postmortem",
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "http://alertmanager.example.com:9093",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: {
            summary,
            description: "More than 5% of requests have failed for 5 minutes.",
            runbook_url: runbook,
          },
          startsAt: new Date(Date.now() - 3 * 60_000).toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus.example.com:9090/graph?g0.expr=up&g0.tab=1",
          fingerprint: print,
        },
      ],
    };

    // A wrong token is refused and opens nothing.
    const refused = await request.post(hook, { headers: { Authorization: "Bearer not-the-token" }, data: payload });
    expect(refused.status()).toBe(401);

    const delivered = await request.post(hook, { headers: { Authorization: `Bearer ${token}` }, data: payload });
    expect(delivered.status(), await delivered.text()).toBe(200);
    const outcome = await delivered.json();
    expect(outcome.opened).toHaveLength(1);
    const incidentId: number = outcome.opened[0];

    // A member finds the incident in the list and opens it.
    const member = await browser.newContext({ baseURL, storageState: storageFor("member") });
    try {
      const memberPage = await member.newPage();
      const errors = watchErrors(memberPage);
      await memberPage.goto("/incidents");
      await waitForHydration(memberPage);
      expect(errors, "the incident list hydrates without errors").toEqual([]);
      const listed = rowFor(memberPage, summary);
      await expect(listed).toBeVisible();
      await expect(listed).toContainText("SEV1");
      await expect(listed).toContainText("Triggered");
      await expect(listed).toContainText(PAYMENTS.name);
      await expect(listed).toContainText("from alertmanager");
      await listed.getByRole("link", { name: summary }).click();
      await expect(memberPage).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
      await expect(memberPage.getByRole("heading", { level: 1 })).toContainText(summary);

      // The alert's runbook comes first, then the service's.
      const runbooks = memberPage.getByTestId("runbook-link");
      await expect(runbooks.first()).toHaveAttribute("href", runbook);
      await expect(runbooks.filter({ hasText: `${PAYMENTS.name} runbook` })).toHaveAttribute("href", PAYMENTS.runbook);

      const alerts = memberPage.getByRole("region", { name: "Alerts" });
      await expect(alerts).toContainText(summary);
      await expect(alerts).toContainText(print);
      await expect(alerts).toContainText("firing");
      await expect(alerts).toContainText(`alertname=${alertname}`);

      const firing = memberPage.getByTestId("timeline-entry").filter({ hasText: "Alert firing" });
      await expect(firing).toHaveCount(1);
      await expect(firing).toContainText(summary);
    } finally {
      await member.close();
    }
  });
});

test.describe("a member", () => {
  test.use({ storageState: storageFor("member") });

  test("declares an incident, works it, resolves it and starts its postmortem", async ({ page }) => {
    test.slow();
    const title = unique("Checkout returns 502");
    const now = new Date();
    const impactStarted = utcInputMinutesAgo(120, now);
    const detected = utcInputMinutesAgo(110, now);

    const errors = watchErrors(page, [], true);
    await page.goto("/incidents");
    await waitForHydration(page);
    expect(errors, "the incident list hydrates without errors").toEqual([]);
    await page.getByRole("link", { name: "Declare incident" }).click();
    await expect(page).toHaveURL(/\/incidents\/new$/);
    await page.getByLabel("What is wrong?").fill(title);
    await page.getByLabel("Affected services").fill("checkout-web");
    await page.getByLabel("Severity").selectOption("SEV2");
    await page.getByLabel("Incident commander").fill("Mo Member");
    await page.getByLabel("Impact summary").fill("Some customers get a **502** when they pay.");
    await page.getByLabel("Impact started").fill(impactStarted);
    await page.getByLabel("Detected", { exact: true }).fill(detected);
    await page.getByRole("button", { name: "Declare incident" }).click();

    await expect(page).toHaveURL(/\/incidents\/\d+$/);
    const incidentUrl = new URL(page.url()).pathname;
    await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
    await expect(page.getByTestId("incident-status")).toHaveText("Triggered");
    await expect(page.getByTestId("time-to-detect")).toHaveText("10m");
    await expect(page.getByTestId("time-to-resolve")).toHaveText("—");
    await expect(page.getByRole("region", { name: "Impact" }).locator("strong")).toHaveText("502");
    await waitForHydration(page);

    // An action taken 20 minutes after impact started goes on the timeline.
    const id = tag();
    const action = `Rolled checkout back to v41 (${id})`;
    const corrected = `Rolled checkout back to v40 (${id})`;
    const actionAt = utcInputMinutesAgo(100, now);
    const addForm = page.locator("details", { has: page.getByRole("button", { name: "Add to timeline" }) });
    if (!(await addForm.getByRole("button", { name: "Add to timeline" }).isVisible())) {
      await addForm.getByText("Add an entry").click();
    }
    await addForm.getByLabel("Kind").selectOption({ label: "Action taken" });
    await addForm.getByLabel("When (UTC)").fill(actionAt);
    await addForm.getByLabel("What happened").fill(action);
    await addForm.getByRole("button", { name: "Add to timeline" }).click();

    const entry = page.getByTestId("timeline-entry").filter({ hasText: action });
    await expect(entry).toBeVisible();
    await expect(entry).toContainText("Action taken");
    await expect(entry.locator("time")).toHaveText(`${actionAt.replace("T", " ")} UTC`);

    // Correcting it.
    await entry.locator("summary", { hasText: "Edit" }).click();
    await entry.getByLabel("What happened").fill(corrected);
    await entry.getByRole("button", { name: "Save entry" }).click();
    const edited = page.getByTestId("timeline-entry").filter({ hasText: corrected });
    await expect(edited).toBeVisible();
    await expect(edited).toContainText("edited");
    await expect(page.getByTestId("timeline-entry").filter({ hasText: action })).toHaveCount(0);

    // Working it, then resolving it with a note.
    await page.getByRole("button", { name: "Mark investigating" }).click();
    await expect(page.getByTestId("incident-status")).toHaveText("Investigating");
    await page.getByLabel("Note for the timeline").fill(`Error rate back to normal (${id})`);
    await page.getByRole("button", { name: "Mark resolved" }).click();
    await expect(page.getByTestId("incident-status")).toHaveText("Resolved");
    await expect(page.getByTestId("time-to-resolve")).not.toHaveText("—");
    await expect(page.getByTestId("time-to-resolve")).toHaveText(/^\d+h \d\dm$/);
    await expect(page.getByTestId("timeline-entry").filter({ hasText: `Error rate back to normal (${id})` })).toContainText(
      "Status changed from Investigating to Resolved",
    );

    // SEV2 needs a postmortem: the list says it is waiting for one.
    await page.goto("/incidents");
    const row = rowFor(page, title);
    await expect(row).toContainText("SEV2");
    await expect(row).toContainText("Resolved");
    await expect(row).toContainText("Checkout Web");
    await expect(row.getByTestId("postmortem-waiting")).toHaveText("Required");
    await expect(row).toContainText("waiting");

    await page.goto("/incidents?postmortem=waiting");
    await expect(rowFor(page, title)).toBeVisible();

    await page.goto(incidentUrl);
    await waitForHydration(page);
    await expect(page.getByTestId("postmortem-panel")).toContainText("required");
    await page.getByRole("link", { name: "Start postmortem" }).click();
    await waitForHydration(page);
    await page.getByTestId("start-postmortem").click();
    await expect(page).toHaveURL(/\/postmortems\/\d+$/);
    await page.goto(incidentUrl);
    await expect(page.getByTestId("postmortem-panel").getByTestId("postmortem-link")).toHaveText(title);
    await expect(page.getByRole("link", { name: "Start postmortem" })).toHaveCount(0);

    await page.goto("/incidents");
    // The list names where the postmortem stands, not merely that it started.
    await expect(rowFor(page, title).getByTestId("postmortem-status")).toHaveText("Draft");
    await expect(rowFor(page, title).getByTestId("postmortem-waiting")).toHaveCount(0);
  });

  test("a resolution before the impact started is explained, and nothing is declared", async ({ page }) => {
    const title = unique("Search times out");
    const resolved = utcInputMinutesAgo(120);
    await page.goto("/incidents/new");
    await waitForHydration(page);
    await page.getByLabel("What is wrong?").fill(title);
    await page.getByLabel("Affected services").fill("search");
    await page.getByLabel("Severity").selectOption("SEV3");
    await page.getByLabel("Impact started").fill(utcInputMinutesAgo(60));
    await page.getByLabel("Resolved", { exact: true }).fill(resolved);
    await page.getByRole("button", { name: "Declare incident" }).click();

    const resolvedField = page.locator(".field", { has: page.getByLabel("Resolved", { exact: true }) });
    await expect(resolvedField.locator(".field-error")).toHaveText(/^Resolved cannot be before /);
    await expect(resolvedField.locator(".field-error")).toHaveText("Resolved cannot be before impact started.");
    await expect(page.getByLabel("Resolved", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page).toHaveURL(/\/incidents\/new$/);
    await expect(page.getByLabel("What is wrong?")).toHaveValue(title);
    await expect(page.getByLabel("Affected services")).toHaveValue("search");
    await expect(page.getByLabel("Resolved", { exact: true })).toHaveValue(resolved);

    await page.goto("/incidents");
    await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
    await expect(page.getByRole("link", { name: title })).toHaveCount(0);
    await page.goto(`/incidents?q=${encodeURIComponent(title)}`);
    await expect(page.getByRole("heading", { name: "No incidents match" })).toBeVisible();
  });

  test("filters narrow the list and stay in the address", async ({ page }) => {
    const title = unique("Ledger writes lag");
    await declareThroughApi(page.request, { title, services: "ledger", severity: "SEV2", impact_started_at: utcInputMinutesAgo(30) });

    await page.goto("/incidents");
    await waitForHydration(page);
    const rows = page.getByTestId("incident-row");
    await expect(rowFor(page, title)).toBeVisible();
    const search = page.getByRole("searchbox", { name: "Search" });
    const severity = page.getByLabel("Severity");

    await search.fill(title);
    await severity.selectOption("SEV2");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]severity=SEV2(&|$)/);
    await expect(page).toHaveURL(/[?&]q=Ledger(\+|%20)writes(\+|%20)lag/);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(title);

    await page.getByLabel("Service").selectOption("ledger");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]service=ledger(&|$)/);
    await expect(rows).toHaveCount(1);

    await severity.selectOption("SEV4");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]severity=SEV4(&|$)/);
    await expect(page.getByRole("heading", { name: "No incidents match" })).toBeVisible();
    await expect(rows).toHaveCount(0);

    // The address alone brings the filtered view back.
    const filtered = page.url();
    await page.goto("/incidents");
    await page.goto(filtered);
    await expect(page.getByLabel("Severity")).toHaveValue("SEV4");
    await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue(title);
    await expect(page.getByLabel("Service")).toHaveValue("ledger");
    await expect(rows).toHaveCount(0);

    await page.goto(filtered.replace("severity=SEV4", "severity=SEV2"));
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(title);
  });
});

test.describe("two people editing one incident", () => {
  test.use({ storageState: storageFor("member") });

  test("the later save is refused with the reason, and the earlier one is kept", async ({ page, browser, baseURL }) => {
    const title = unique("Search latency doubles");
    const id = await declareThroughApi(page.request, { title, services: "search" });
    const other = await browser.newContext({ baseURL, storageState: storageFor("admin") });
    const admin = await other.newPage();
    for (const p of [page, admin]) {
      await p.goto(`/incidents/${id}/edit`);
      await waitForHydration(p);
    }
    await admin.getByLabel("What is wrong?").fill(`${title} (EU only)`);
    await admin.getByRole("button", { name: "Save changes" }).click();
    await expect(admin).toHaveURL(new RegExp(`/incidents/${id}$`));
    await expect(admin.getByRole("heading", { level: 1 })).toContainText("(EU only)");

    await page.getByLabel("Impact summary").fill("Searches take 2 s instead of 1 s.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByRole("alert")).toContainText("Someone else changed this incident after you opened it.");
    await page.goto(`/incidents/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("(EU only)");
    await other.close();
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: storageFor("viewer") });

  test("sees incidents but cannot declare or change them", async ({ page, playwright, baseURL }) => {
    const title = unique("Notifications delayed");
    const member = await playwright.request.newContext({ baseURL, storageState: storageFor("member") });
    const id = await declareThroughApi(member, { title, services: "notifications", severity: "SEV3" }).finally(() =>
      member.dispose(),
    );

    const errors = watchErrors(page, [], true);
    await page.goto("/incidents");
    await waitForHydration(page);
    await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
    await expect(rowFor(page, title)).toBeVisible();
    expect(errors, "the incident list hydrates without errors").toEqual([]);
    await expect(page.getByRole("link", { name: "Declare incident" })).toHaveCount(0);

    await rowFor(page, title).getByRole("link", { name: title }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${id}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
    await expect(page.getByTestId("timeline")).toBeVisible();
    await expect(page.getByRole("button", { name: /^Mark / })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Add to timeline" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Edit", exact: true })).toHaveCount(0);

    const forced = await page.request.post("/api/incidents/declare", {
      form: {
        "incident[title]": "Viewer was here",
        "incident[services]": "",
        "incident[severity]": "SEV4",
        "incident[commander]": "",
        "incident[summary]": "",
      },
      headers: { Accept: "application/json" },
    });
    expect(forced.status()).toBe(403);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, storageState: storageFor("member") });

  test("an incident is declared with a plain form post and found with the search form", async ({ page }) => {
    const title = unique("Plain incident");
    await page.goto("/incidents/new");
    await page.getByLabel("What is wrong?").fill(title);
    await page.getByLabel("Severity").selectOption("SEV4");
    await page.getByLabel("Affected services").fill("search");
    await page.getByRole("button", { name: "Declare incident" }).click();
    await expect(page).toHaveURL(/\/incidents\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(title);

    await page.goto("/incidents");
    await page.getByRole("searchbox", { name: "Search" }).fill(title);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]q=/);
    await expect(page.getByTestId("incident-row")).toHaveCount(1);
    await expect(page.locator("div.app")).toHaveAttribute("data-hydrated", "false");
  });
});
