// Problem management as the problem manager meets it: the triage queue suggests a problem from
// recurring incidents, the manager accepts it, links another incident, records the root cause and
// a workaround, publishes a known error, and a newly posted alert that matches shows the
// workaround on its incident page.
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import { postAlert, storageFor, waitForHydration, test, watchErrors } from "./helpers";

const tag = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function declare(request: APIRequestContext, title: string): Promise<number> {
  const form = {
    "incident[title]": title,
    "incident[severity]": "SEV2",
    "incident[services]": "payments-api",
    "incident[commander]": "",
    "incident[summary]": "",
  };
  const response = await request.post("/api/incidents/declare", { form, headers: { Accept: "application/json" } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).id;
}

test.describe("the problem manager", () => {
  test.use({ storageState: storageFor("pm") });

  test("turns recurring incidents into a known error that a new alert then shows", async ({ page, request, baseURL }) => {
    test.slow();
    const id = tag();
    const word = `ledger${id}`;
    const titles = [
      `Settlement ${word} batch stalls overnight`,
      `Settlement ${word} batch stalls overnight again`,
      `settlement ${word} batch stalls overnight (EU)`,
    ];
    const incidents: number[] = [];
    for (const title of titles) incidents.push(await declare(request, title));
    const extra = await declare(request, `Reconciliation report for ${word} is late`);

    // The queue suggests a problem for the three look-alikes.
    const errors = watchErrors(page);
    await page.goto("/problems");
    await waitForHydration(page);
    const suggestion = page.getByTestId("suggestion").filter({ hasText: titles[0] });
    await expect(suggestion).toContainText("3 incidents on Payments API");
    await suggestion.getByTestId("accept-suggestion").click();
    await expect(page).toHaveURL(/\/problems\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Recurring: ${titles[0]}`);
    await expect(page.getByTestId("problem-incident")).toHaveCount(3);
    await expect(page.getByTestId("problem-state")).toHaveText("New");

    // Link a related incident; linking it twice is refused by name.
    const incidentsSection = page.getByRole("region", { name: /Incidents/ });
    await incidentsSection.getByLabel("Link incidents").fill(String(extra));
    await incidentsSection.getByTestId("link-incidents").click();
    await expect(page.getByTestId("problem-incident")).toHaveCount(4);
    await incidentsSection.getByLabel("Link incidents").fill(String(extra));
    await incidentsSection.getByTestId("link-incidents").click();
    await expect(incidentsSection).toContainText(`Incident #${extra} is already linked to this problem.`);

    // Assess and analyse, then record the root cause.
    await page.getByTestId("move-assess").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Assessed");
    await page.getByTestId("move-analyse").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Root cause analysis");
    // Each move shows only what it needs: the reason comes with the moves that need one.
    const withReason = page.getByTestId("open-with-reason");
    await expect(withReason.getByLabel("Reason")).toBeHidden();
    await withReason.locator("summary").click();
    await expect(withReason.getByLabel("Reason")).toBeVisible();
    await expect(withReason.getByTestId("move-cancel")).toBeVisible();
    await page.getByLabel("Root cause", { exact: true }).fill("The settlement batch holds a table lock while the ledger export runs.");
    await page.locator("#cause-category").selectOption("software");
    await page.getByLabel("Evidence").fill("https://grafana.example/d/settlement");
    await page.getByTestId("add-root-cause").click();
    await expect(page.getByTestId("root-cause")).toContainText("holds a table lock");

    // A known error without a workaround is refused; with one it is published.
    const form = page.getByTestId("known-error-form");
    await form.getByLabel("Symptoms").fill(`Settlement ${word} batch stalls overnight`);
    await form.getByLabel("Workaround steps").fill("");
    await form.getByTestId("publish-known-error").click();
    await expect(form).toContainText("A known error needs a workaround");
    await form.getByLabel("Workaround steps").fill("Pause the ledger export with `ledgerctl pause`, then rerun the batch.");
    await form.getByTestId("publish-known-error").click();
    const article = page.getByTestId("known-error").first();
    await expect(article.getByTestId("workaround")).toContainText("ledgerctl pause");
    await expect(page.getByTestId("problem-history")).toContainText("Known-error article published.");
    expect(errors).toEqual([]);

    // Monitoring posts a matching alert: its incident page shows the workaround at once.
    const [opened] = await postAlert(baseURL!, `SettlementStall_${id}`, `Settlement ${word} batch stalls overnight once more`);
    await page.goto(`/incidents/${opened}`);
    const known = page.getByTestId("known-error");
    await expect(known).toContainText("Matched this known error when the incident came in.");
    await expect(known.getByTestId("workaround")).toContainText("ledgerctl pause");
    await expect(page.getByTestId("problem-link")).toContainText(`Recurring: ${titles[0]}`);
    // The three look-alikes the suggestion named are the ones the problem links.
    await page.goto(`/incidents/${incidents[2]}`);
    await expect(page.getByTestId("problem-link")).toContainText(`Recurring: ${titles[0]}`);
  });

  test("dismisses a suggestion that is not a problem", async ({ page, request }) => {
    const word = `cronjob${tag()}`;
    for (const suffix of ["", " again", " (EU)"]) await declare(request, `Backup ${word} runs long${suffix}`);
    await page.goto("/problems");
    await waitForHydration(page);
    const suggestion = page.getByTestId("suggestion").filter({ hasText: word });
    await expect(suggestion).toHaveCount(1);
    await suggestion.getByTestId("dismiss-suggestion").click();
    await expect(page.getByTestId("suggestion").filter({ hasText: word })).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Suggested problems" })).toBeVisible();
    await expect(page.getByTestId("suggestion").filter({ hasText: word })).toHaveCount(0);
  });

  test("filters the queue and moves a problem with the keyboard", async ({ page, request }) => {
    const id = tag();
    const response = await request.post("/api/problems/create", {
      form: {
        "problem[title]": `Keyboard triage ${id}`,
        "problem[impact]": "low",
        "problem[urgency]": "low",
      },
      headers: { Accept: "application/json" },
    });
    expect(response.status(), await response.text()).toBe(200);
    await page.goto("/problems?priority=5");
    await waitForHydration(page);
    const rows = page.getByTestId("problem-row");
    await expect(rows.filter({ hasText: `Keyboard triage ${id}` })).toBeVisible();
    // The filter leaves only P5 problems.
    const shown = await rows.count();
    expect(shown).toBeGreaterThan(0);
    for (let i = 0; i < shown; i++) await expect(rows.nth(i)).toContainText("P5");
    const first = await rows.first().getAttribute("data-id");
    // j focuses the first row, x selects it for a bulk action, o opens it.
    // Nothing has the focus (clicking the page could land on a row's checkbox).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // ? shows the help where the person is looking, whatever the scroll; Esc puts it away.
    const help = page.getByTestId("shortcuts");
    await page.keyboard.press("?");
    await expect(help).toHaveAttribute("open", "");
    await expect(help).toBeInViewport();
    await expect(help).toContainText("next / previous problem");
    await page.keyboard.press("Escape");
    await expect(help).not.toHaveAttribute("open", "");
    await page.keyboard.press("j");
    await page.keyboard.press("x");
    await expect(page.getByTestId("bulk-form")).toContainText("1 selected");
    await page.keyboard.press("o");
    // o opens the row that j focused: the first.
    await expect(page).toHaveURL(new RegExp(`/problems/${first}$`));
  });
});

test.describe("recording a problem from an incident", () => {
  test.use({ storageState: storageFor("pm") });

  test("shows the derived priority, names a bad incident number and links the incident", async ({ page, request }) => {
    const incident = await declare(request, `Ledger export ${tag()} times out`);
    await page.goto(`/incidents/${incident}`);
    await waitForHydration(page);
    await page.getByRole("link", { name: "Record a problem" }).click();
    await expect(page).toHaveURL(new RegExp(`/problems/new\\?incidents=${incident}$`));
    await waitForHydration(page);
    await expect(page.getByLabel("Incidents")).toHaveValue(String(incident));
    // Medium and medium is P3; high impact with high urgency is P1.
    await expect(page.getByTestId("derived-priority")).toHaveText("P3");
    await page.getByLabel("Impact").selectOption("high");
    await page.getByLabel("Urgency").selectOption("high");
    await expect(page.getByTestId("derived-priority")).toHaveText("P1");
    await page.getByLabel("Payments API").check();
    await page.getByLabel("Title").fill(`Ledger export stalls ${tag()}`);
    await page.getByLabel("Incidents").fill(`${incident}, abc`);
    await page.getByTestId("create-problem").click();
    await expect(page.locator('.field-error[data-field="incidents"]')).toContainText('"abc" is not one');
    await page.getByLabel("Incidents").fill(String(incident));
    await page.getByTestId("create-problem").click();
    await expect(page).toHaveURL(/\/problems\/\d+$/);
    await expect(page.getByTestId("problem-priority")).toHaveText("P1");
    await expect(page.getByTestId("problem-incident")).toHaveCount(1);
    await page.goto(`/incidents/${incident}`);
    await expect(page.getByTestId("problem-link")).toContainText("Ledger export stalls");
  });
});

test.describe("picking records instead of typing numbers", () => {
  test.use({ storageState: storageFor("pm") });

  async function problem(request: APIRequestContext, title: string, incidents = ""): Promise<number> {
    const response = await request.post("/api/problems/create", {
      form: { "problem[title]": title, "problem[impact]": "medium", "problem[urgency]": "medium", "problem[services]": "1", incidents },
      headers: { Accept: "application/json" },
    });
    expect(response.status(), await response.text()).toBe(200);
    return response.json();
  }

  test("links an action item and names a duplicate from searchable lists, without JavaScript", async ({ browser, request }) => {
    const id = tag();
    const incident = await declare(request, `Refunds stall ${id}`);
    const started = await request.post("/api/postmortems/start", { form: { incidents: String(incident) }, headers: { Accept: "application/json" } });
    const pm = await started.json();
    const item = `Retry refunds idempotently ${id}`;
    const saved = await request.post("/api/postmortems/actions/save", {
      form: { postmortem_id: String(pm), id: "0", version: "0", "action[title]": item, "action[kind]": "fix" },
      headers: { Accept: "application/json" },
    });
    expect(saved.status(), await saved.text()).toBe(200);
    const itemId = (await saved.json()).Saved.id;
    const target = await problem(request, `Refund queue backs up ${id}`);
    const mine = await problem(request, `Refunds stall again ${id}`, String(incident));

    const context = await browser.newContext({ javaScriptEnabled: false, storageState: storageFor("pm") });
    const page = await context.newPage();
    await page.goto(`/problems/${mine}`);
    // The item of this problem's own incident is offered, by title, first.
    const field = page.getByLabel("Link action item");
    await expect(field).toHaveAttribute("list", "action-item-choices");
    const offered = page.locator("#action-item-choices option");
    await expect(offered.first()).toHaveAttribute("value", String(itemId));
    await expect(offered.first()).toHaveText(new RegExp(`#${itemId} · ${item}`));
    await field.fill(String(itemId));
    await page.getByRole("button", { name: "Link", exact: true }).last().click();
    await expect(page.getByTestId("fix-item").filter({ hasText: item })).toBeVisible();

    // The duplicate's list holds the other open problem, not this one.
    await page.getByText("Mark as duplicate…").click();
    const duplicate = page.getByLabel("Duplicate of problem");
    await expect(duplicate).toHaveAttribute("list", "duplicate-of-choices");
    await expect(page.locator(`#duplicate-of-choices option[value="${target}"]`)).toHaveText(new RegExp(`Refund queue backs up ${id}`));
    await expect(page.locator(`#duplicate-of-choices option[value="${mine}"]`)).toHaveCount(0);
    await duplicate.fill(String(target));
    await page.getByTestId("move-mark_duplicate").click();
    await expect(page.getByText("it can no longer change")).toBeVisible();
    await context.close();
  });

  test("the queue's bulk bar shows only the chosen action's fields", async ({ page }) => {
    await page.goto("/problems");
    await waitForHydration(page);
    const bulk = page.getByTestId("bulk-form");
    const field = (name: string) => bulk.locator(`[name="${name}"]`);
    const operation = bulk.locator("#bulk-operation");
    await expect(field("impact")).toBeVisible();
    await expect(field("urgency")).toBeVisible();
    await expect(field("coordinator")).toBeHidden();
    await expect(field("incidents")).toBeHidden();
    await expect(field("duplicate_of")).toBeHidden();
    await operation.selectOption("duplicate");
    await expect(field("duplicate_of")).toBeVisible();
    await expect(field("duplicate_of")).toHaveAttribute("list", "bulk-duplicate-choices");
    await expect(field("impact")).toBeHidden();
    await operation.selectOption("assign");
    await expect(field("coordinator")).toBeVisible();
    await expect(field("duplicate_of")).toBeHidden();
    await operation.selectOption("link");
    await expect(field("incidents")).toBeVisible();
    await expect(field("coordinator")).toBeHidden();
  });
});
