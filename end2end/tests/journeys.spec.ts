// Whole journeys as a team lives them, each asserting what a person sees at every step: the
// postmortem meeting from a resolved incident to a published (and reopened) document, and the
// problem manager's triage from recurring incidents to a closed problem (the backlog's journey is
// the last test of github.spec.ts, beside the fake GitHub it drives).
import { type Locator, type Page, expect } from "@playwright/test";
import { DEMO, postAlert, storageFor, unique, waitForHydration, test, watchErrors } from "./helpers";

const field = (page: Page, key: string) => page.getByTestId(`field-${key}`);

/** Opens a `<details>` unless it is open already (a refused form comes back open). */
async function expand(details: Locator) {
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
}

async function declare(page: Page, title: string, services = "payments-api"): Promise<number> {
  const declared = await page.request.post("/api/incidents/declare", {
    form: { "incident[title]": title, "incident[severity]": "SEV2", "incident[services]": services },
    headers: { Accept: "application/json" },
  });
  expect(declared.status(), await declared.text()).toBe(200);
  return (await declared.json()).id;
}

async function resolve(page: Page, id: number) {
  const incident = await (await page.request.post("/api/incidents/get", { form: { id: String(id) }, headers: { Accept: "application/json" } })).json();
  const resolved = await page.request.post("/api/incidents/set-status", {
    form: { id: String(id), version: String(incident.version), status: "resolved", note: "Rolled back." },
    headers: { Accept: "application/json" },
  });
  expect(resolved.status(), await resolved.text()).toBe(200);
}

test("the meeting: from a resolved incident to a published postmortem, reopened with a reason", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const admin = await browser.newContext({ storageState: storageFor("admin"), baseURL });
  const member = await browser.newContext({ storageState: storageFor("member"), baseURL });
  const a = await admin.newPage();
  const b = await member.newPage();
  const errors = watchErrors(b, watchErrors(a));

  // The incident is over; its page offers the postmortem.
  const title = unique("Checkout double charges");
  const incident = await declare(a, title);
  await resolve(a, incident);
  await a.goto(`/incidents/${incident}`);
  await waitForHydration(a);
  await expect(a.getByTestId("incident-status")).toContainText("Resolved");
  await a.getByRole("link", { name: "Start postmortem" }).click();
  await waitForHydration(a);
  await a.getByTestId("start-postmortem").click();
  await expect(a).toHaveURL(/\/postmortems\/\d+$/);
  const url = new URL(a.url()).pathname;
  await waitForHydration(a);
  await expect(a.locator("h1")).toContainText(title);

  // The member joins; both are live.
  await b.goto(url);
  await waitForHydration(b);
  await expect(b.getByTestId("connection")).toHaveAttribute("data-state", "live");
  await expect(a.getByTestId("presence")).toContainText(DEMO.member.name);

  // Step 1: what happened, typed by one and seen by the other.
  await field(a, "summary").locator("textarea").fill("A retried capture charged some cards twice.");
  await field(a, "impact").locator("textarea").fill("212 customers were charged twice over 25 minutes.");
  await expect(field(b, "summary").locator("textarea")).toHaveValue("A retried capture charged some cards twice.", { timeout: 5_000 });
  await expect(field(a, "impact").getByTestId("save-state")).toHaveText("Saved");

  // Step 2: the incident's timeline came along, status changes included; one entry is marked as
  // the moment the problem was detected.
  await a.getByTestId("step-timeline").click();
  await expect(a.getByTestId("pm-entry").filter({ hasText: "Rolled back." })).toBeVisible();
  await a.getByTestId("moment-select").first().selectOption("detection");
  await expect(a.getByTestId("pm-entry").first()).toContainText("Detected");
  await a.getByTestId("step-summary").click();

  // Both change the impact at once: the member, offline meanwhile, sees the clash and takes the
  // admin's words.
  await member.setOffline(true);
  await field(b, "impact").locator("textarea").fill("Some cards were charged twice.");
  await field(a, "impact").locator("textarea").fill("212 customers were charged twice over 25 minutes; all refunded.");
  await expect(field(a, "impact").getByTestId("save-state")).toHaveText("Saved");
  await member.setOffline(false);
  const clash = field(b, "impact").getByTestId("conflict");
  await expect(clash).toBeVisible({ timeout: 15_000 });
  await expect(clash.getByTestId("conflict-mine")).toHaveText("Some cards were charged twice.");
  await clash.getByRole("button", { name: "Use theirs" }).click();
  await expect(field(b, "impact").locator("textarea")).toHaveValue("212 customers were charged twice over 25 minutes; all refunded.");
  await expect(clash).toBeHidden();

  // Step 4: the coach points at blame, and is satisfied once the sentence speaks of the system.
  await b.getByTestId("step-learnings").click();
  const badly = field(b, "went_badly");
  await badly.locator("textarea").fill("Sam should have checked the retry flag before deploying.");
  await expect(badly.getByTestId("coach-hints")).toContainText("should have");
  await badly.locator("textarea").fill("Nothing in the pipeline checked that retries are idempotent.");
  await expect(badly.getByTestId("coach-hints")).toHaveCount(0);
  await expect(badly.getByTestId("save-state")).toHaveText("Saved");

  // Review: sending it with no factor and no action is refused, and the gap links to its step.
  await a.getByTestId("step-review").click();
  const missing = a.getByTestId("missing-sections");
  await expect(missing).toContainText("Contributing factors");
  // The review part is already up to date with the member's words.
  await expect(missing).not.toContainText("Went well");
  await expect(a.getByTestId("open-hints")).toContainText("no open hints");
  await a.getByTestId("review").getByRole("button", { name: "Send to review" }).click();
  const refusal = a.getByTestId("review").getByRole("alert");
  await expect(refusal).toContainText("Not sent to review: complete the required sections first.");
  await expect(refusal).toContainText("Contributing factors: add at least one contributing factor.");
  await expect(a.getByTestId("pm-status")).toHaveText("Draft");
  await missing.getByRole("link", { name: /Contributing factors/ }).click();
  await expect(a.getByTestId("panel-factors")).toBeVisible();

  // Step 3 and 5: a factor and an action item that addresses it.
  await a.getByText("Add a contributing factor").click();
  const factor = a.getByTestId("factor-editor").first();
  await factor.getByLabel("Factor", { exact: true }).fill("Capture retries were not idempotent");
  await factor.getByLabel(/5 whys/).fill("The capture call carries no idempotency key");
  await factor.getByRole("button", { name: "Add factor" }).click();
  await expect(b.getByTestId("factor-card").filter({ hasText: "not idempotent" })).toBeAttached({ timeout: 5_000 });
  await a.getByTestId("step-actions").click();
  await a.getByText("Add an action item").click();
  const action = a.getByTestId("action-editor");
  await action.getByLabel("What will change").fill("Send an idempotency key with every capture");
  await action.getByLabel("Addresses").selectOption({ label: "Capture retries were not idempotent" });
  await action.getByRole("button", { name: "Add action item" }).click();
  await expect(a.getByTestId("action-row").filter({ hasText: "idempotency key" })).toContainText("Capture retries were not idempotent");

  // Review again: complete, sent, and the author may not approve their own postmortem.
  await a.getByTestId("step-review").click();
  await expect(a.getByTestId("sections-complete")).toBeVisible();
  await a.getByTestId("review").getByRole("button", { name: "Send to review" }).click();
  await expect(a.getByTestId("pm-status")).toHaveText("In review");
  await expect(a.getByTestId("review").getByRole("button", { name: "Approve" })).toBeDisabled();
  await expect(a.getByTestId("author-note")).toContainText("ask a colleague");
  await expect(a.getByTestId("publish-blocked")).toContainText("1 more to go");

  // The member approves; the author publishes.
  await b.getByTestId("step-review").click();
  await expect(b.getByTestId("pm-status")).toHaveText("In review", { timeout: 5_000 });
  await b.getByTestId("review").getByRole("button", { name: "Approve" }).click();
  await expect(b.getByTestId("approvals")).toContainText(DEMO.member.name);
  await expect(a.getByTestId("review").getByRole("button", { name: "Publish" })).toBeEnabled({ timeout: 5_000 });
  await a.getByTestId("review").getByRole("button", { name: "Publish" }).click();
  await expect(a.getByTestId("pm-status")).toHaveText("Published");

  // Published: read-only, with no editors and no Preview buttons, for everyone.
  await b.reload();
  await waitForHydration(b);
  await b.getByTestId("step-summary").click();
  await expect(field(b, "summary")).toContainText("A retried capture charged some cards twice.");
  await expect(b.locator("textarea[name='body']")).toHaveCount(0);
  await expect(b.getByRole("button", { name: "Preview" })).toHaveCount(0);
  await expect(b.getByTestId("facilitator")).not.toContainText("facilitating:");

  // The export and the printable page hold what was written.
  await a.getByTestId("step-review").click();
  const [download] = await Promise.all([a.waitForEvent("download"), a.getByTestId("export-markdown").click()]);
  expect(download.suggestedFilename()).toMatch(/\.md$/);
  const print = await a.request.get(`${url}/print`);
  expect(await print.text()).toContain("Send an idempotency key with every capture");

  // Reopening needs a reason, which the history keeps.
  await a.getByTestId("review").getByRole("button", { name: "Reopen" }).click();
  await expect(a.getByTestId("review").getByRole("alert")).toContainText(/reason|why/i);
  await a.getByLabel("Why reopen it?").fill("The refund numbers were wrong.");
  await a.getByTestId("review").getByRole("button", { name: "Reopen" }).click();
  await expect(a.getByTestId("pm-status")).toHaveText("Draft");
  await expect(a.getByTestId("pm-history")).toContainText("The refund numbers were wrong.");
  await expect(a.getByTestId("approvals")).toContainText("Not in review");

  expect(errors).toEqual([]);
  await admin.close();
  await member.close();
});

test.describe("triage", () => {
  test.use({ storageState: storageFor("pm") });

  test("the problem manager: from recurring incidents to a closed problem, and the other ways a problem ends", async ({ page, baseURL }) => {
    test.setTimeout(180_000);
    const word = unique("escrow").replace(/\s+/g, "");
    const titles = [`Escrow ${word} payout stuck`, `Escrow ${word} payout stuck again`, `escrow ${word} payout stuck (EU)`];
    const incidents: number[] = [];
    for (const title of titles) incidents.push(await declare(page, title));

    // The queue suggests the look-alikes as one problem; accepting it links them.
    await page.goto("/problems");
    await waitForHydration(page);
    const suggestion = page.getByTestId("suggestion").filter({ hasText: titles[0] });
    await expect(suggestion).toContainText("3 incidents on Payments API");
    await suggestion.getByTestId("accept-suggestion").click();
    await expect(page).toHaveURL(/\/problems\/\d+$/);
    const problemUrl = new URL(page.url()).pathname;
    const problemId = Number(problemUrl.split("/").pop());
    await expect(page.getByTestId("problem-incident")).toHaveCount(3);
    await expect(page.getByTestId("problem-state")).toHaveText("New");

    // A related incident that the suggestion did not catch is linked too.
    const related = await declare(page, `Payout reconciliation for ${word} is late`);
    const incidentsSection = page.getByRole("region", { name: /Incidents/ });
    await incidentsSection.getByLabel("Link incidents").fill(String(related));
    await incidentsSection.getByTestId("link-incidents").click();
    await expect(page.getByTestId("problem-incident")).toHaveCount(4);

    // Assessed, analysed, and the root cause recorded.
    await page.getByTestId("move-assess").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Assessed");
    await page.getByTestId("move-analyse").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Root cause analysis");
    await page.getByLabel("Root cause", { exact: true }).fill("Payout batches retry on a fixed schedule and pile up behind a slow bank API.");
    await page.getByTestId("add-root-cause").click();
    await expect(page.getByTestId("root-cause")).toContainText("pile up behind a slow bank API");

    // A known error with its workaround; a new alert that matches shows it on its incident.
    const article = page.getByTestId("known-error-form");
    await article.getByLabel("Symptoms").fill(titles[0]);
    await article.getByLabel("Workaround steps").fill("Release the stuck batch with `payoutctl release`.");
    await article.getByTestId("publish-known-error").click();
    await expect(page.getByTestId("known-error").first().getByTestId("workaround")).toContainText("payoutctl release");
    const [alerted] = await postAlert(baseURL!, `PayoutStuck_${word}`, `Escrow ${word} payout stuck once more`);
    await page.goto(`/incidents/${alerted}`);
    await expect(page.getByTestId("known-error").getByTestId("workaround")).toContainText("payoutctl release");
    await expect(page.getByTestId("problem-link")).toContainText(`#${problemId}`);
    await page.goto(problemUrl);
    await waitForHydration(page);

    // The fix: a pipeline test from the postmortem of one incident, picked by its title.
    const started = await page.request.post("/api/postmortems/start", { form: { incidents: String(incidents[0]) }, headers: { Accept: "application/json" } });
    const pm = await started.json();
    const testTitle = unique("Contract test for payout retries");
    const saved = await page.request.post("/api/postmortems/actions/save", {
      form: { postmortem_id: String(pm), id: "0", version: "0", "action[title]": testTitle, "action[kind]": "pipeline_test" },
      headers: { Accept: "application/json" },
    });
    expect(saved.status(), await saved.text()).toBe(200);
    const itemId = (await saved.json()).Saved.id;
    await page.reload();
    await waitForHydration(page);
    await expect(page.locator(`#action-item-choices option[value="${itemId}"]`)).toHaveText(new RegExp(testTitle));
    await page.getByLabel("Link action item").fill(String(itemId));
    await page.getByRole("region", { name: "Action items of the fix" }).getByRole("button", { name: "Link" }).click();
    await expect(page.getByTestId("fix-item").filter({ hasText: testTitle })).toBeVisible();
    await page.getByTestId("move-start_fix").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Fix in progress");

    // Resolving with the test still open is held by the guardrail until a reason is given.
    const resolve = page.getByTestId("open-resolve");
    await resolve.locator("summary").click();
    await expect(resolve.getByTestId("guardrail")).toContainText("1 pipeline-test action item of the fix is still open.");
    await resolve.getByTestId("move-resolve").click();
    await expect(page.locator('.field-error[data-field="guardrail_reason"]')).toContainText("still open");
    await expect(page.getByTestId("problem-state")).toHaveText("Fix in progress");
    await expand(page.getByTestId("open-resolve"));
    await page.getByLabel("Resolve anyway because").fill("The bank fixed its API; the test lands next sprint.");
    await page.getByTestId("move-resolve").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Resolved");
    await expect(page.getByTestId("problem-history")).toContainText("The bank fixed its API");
    await page.getByTestId("move-close").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Closed");

    // It comes back: re-analysed, with the reason recorded.
    const withReason = page.getByTestId("open-with-reason");
    await withReason.locator("summary").click();
    await withReason.getByLabel("Reason").fill("Payouts stuck again after the bank's fix.");
    await withReason.getByTestId("move-reanalyse").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Root cause analysis");

    // The other endings: a duplicate (picked from the list), an accepted risk and a cancel.
    const create = async (title: string) => {
      const response = await page.request.post("/api/problems/create", {
        form: { "problem[title]": title, "problem[impact]": "low", "problem[urgency]": "low", "problem[services]": "1" },
        headers: { Accept: "application/json" },
      });
      expect(response.status(), await response.text()).toBe(200);
      return (await response.json()) as number;
    };
    const duplicate = await create(`Escrow ${word} payouts late`);
    await page.goto(`/problems/${duplicate}`);
    await waitForHydration(page);
    await page.getByText("Mark as duplicate…").click();
    await expect(page.locator(`#duplicate-of-choices option[value="${problemId}"]`)).toHaveCount(1);
    await page.getByLabel("Duplicate of problem").fill(String(problemId));
    await page.getByTestId("move-mark_duplicate").click();
    await expect(page.getByTestId("problem-state")).toHaveText("Duplicate");
    await expect(page.getByText("it can no longer change")).toBeVisible();
    await expect(page.getByTestId("known-error-form")).toHaveCount(0);
    for (const [action, state] of [["accept_risk", "Risk accepted"], ["cancel", "Cancelled"]] as const) {
      const other = await create(`Escrow ${word} ${action}`);
      await page.goto(`/problems/${other}`);
      await waitForHydration(page);
      const reasoned = page.getByTestId("open-with-reason");
      await reasoned.locator("summary").click();
      await reasoned.getByTestId(`move-${action}`).click();
      await expect(page.locator('.field-error[data-field="reason"]')).toContainText("Give a reason.");
      await expand(page.getByTestId("open-with-reason"));
      await page.getByTestId("open-with-reason").getByLabel("Reason").fill("Low value; the vendor retires this path.");
      await page.getByTestId("open-with-reason").getByTestId(`move-${action}`).click();
      await expect(page.getByTestId("problem-state")).toHaveText(state);
    }

    // A bulk move from the queue: the ticked problem becomes P1.
    const bulkTarget = await create(`Escrow ${word} bulk`);
    await page.goto("/problems");
    await waitForHydration(page);
    await page.getByLabel(`Select problem #${bulkTarget}`).check();
    const bulk = page.getByTestId("bulk-form");
    await expect(bulk).toContainText("1 selected");
    await bulk.locator('[name="impact"]').selectOption("high");
    await bulk.locator('[name="urgency"]').selectOption("high");
    await bulk.getByTestId("bulk-apply").click();
    await expect(page.getByTestId("problem-row").filter({ hasText: `Escrow ${word} bulk` })).toContainText("P1");
  });
});
