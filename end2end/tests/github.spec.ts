// GitHub backlog sync as an admin and a team meet it, against the fake GitHub that scripts/e2e.sh
// starts: connecting and testing the connection, an action item becoming an issue with its labels
// and a link back, and closing that issue with a merged pull request flipping the item to verified
// in the open page, and on the pipeline-test backlog; an item of a postmortem on several services
// files its issue with the most affected one, and moving it to another service moves its issue;
// a pull request gated by the change gate, whose commit status flips when a reviewer approves it;
// a guardrail added from a contributing factor holding such a pull request for review;
// and the backlog journey whole, from people's GitHub logins to disconnecting (last: it disconnects).
import { type Page, expect } from "@playwright/test";
import { DEMO, startPostmortem, storageFor, unique, waitForHydration, test } from "./helpers";

const fake = process.env.FAKE_GITHUB_URL ?? "http://127.0.0.1:3939";
const secret = "end-to-end webhook secret";

type FakeIssue = {
  number: number; title: string; body: string; labels: string[]; html_url: string; sub_issues: number[];
  state: string; state_reason: string | null; comments: string[]; assignees: string[];
};

async function issues(page: Page, repo: string): Promise<FakeIssue[]> {
  const response = await page.request.get(`${fake}/_fake/repos/${repo}/issues`);
  expect(response.ok()).toBeTruthy();
  return response.json();
}

test.describe.configure({ mode: "serial" });
test.use({ storageState: storageFor("admin") });

test("an admin connects GitHub and tests what it reaches", async ({ page, baseURL }) => {
  await page.goto("/admin/github");
  await waitForHydration(page);
  await page.getByLabel("Token").fill("test-token");
  await page.getByLabel("API address (GitHub Enterprise)").fill(fake);
  await page.getByLabel("Webhook secret").fill("short");
  await page.getByRole("button", { name: "Save connection" }).click();
  await expect(page.locator('[data-field="webhook_secret"]')).toContainText("16 to 200 characters");
  await page.getByLabel("Webhook secret").fill(secret);
  await page.getByLabel("Pause between writes (ms)").fill("0");
  await page.getByRole("button", { name: "Save connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Connection saved." })).toBeVisible();
  await expect(page.getByTestId("connection-state")).toHaveText("Connected.");
  await expect(page.getByTestId("webhook-url")).toHaveText(`${baseURL}/hooks/github`);
  await page.getByRole("button", { name: "Test connection" }).click();
  const report = page.getByTestId("check-report");
  await expect(report).toContainText("Signed in to GitHub as postmortem-bot");
  await expect(report).toContainText("acme/payments-api");
  const target = await page.request.post(`${fake}/_fake/webhook-target`, {
    data: { url: `${baseURL}/hooks/github`, secret },
  });
  expect(target.ok()).toBeTruthy();
});

test("a pipeline test becomes an issue, and a merged fix verifies it", async ({ page }) => {
  test.slow();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const pm = await startPostmortem(page.request, unique("Card retries storm"), "payments-api");
  await page.goto(`/postmortems/${pm}`);
  await waitForHydration(page);
  await page.getByTestId("step-actions").click();
  await page.getByText("Add an action item").click();
  const editor = page.getByTestId("action-editor");
  const title = unique("Regression test for retry storms");
  await editor.getByLabel("What will change").fill(title);
  await editor.getByLabel("Kind").selectOption({ label: "Pipeline test" });
  await editor.getByRole("button", { name: "Add action item" }).click();

  // The row shows the issue it became, without a reload.
  const row = page.getByTestId("action-row").filter({ hasText: title });
  const sync = row.getByTestId("sync");
  await expect(sync).toHaveAttribute("data-state", "synced", { timeout: 15_000 });
  const link = sync.getByRole("link", { name: /acme\/payments-api#\d+/ });
  await expect(link).toBeVisible();
  const number = Number((await link.textContent())!.split("#")[1]);

  // On GitHub: the labels, the link back, and a place under the backlog's tracking issue.
  const all = await issues(page, "acme/payments-api");
  const issue = all.find((i) => i.number === number)!;
  expect(issue.title).toBe(title);
  expect(issue.labels).toEqual(["postmortem-action", "pipeline-test", "priority:medium"]);
  expect(issue.body).toContain(`/postmortems/${pm}`);
  const tracking = all.find((i) => i.title === "Pipeline test backlog")!;
  expect(tracking.sub_issues).toContain(number);
  await expect(sync.getByTestId("verification")).toHaveText("Open");

  // Someone merges the fix and closes the issue: the open page flips the item to verified.
  const closed = await page.request.post(`${fake}/_fake/repos/acme/payments-api/issues/${number}/close`, {
    data: { reason: "completed", merged_pr: true },
  });
  expect((await closed.json()).webhook_status).toBe(200);
  await expect(sync.getByTestId("verification")).toHaveText("Verified", { timeout: 10_000 });
  await expect(row).toContainText("Done");

  // The backlog counts it as verified for its service.
  await page.goto("/backlog");
  await waitForHydration(page);
  const item = page.getByTestId("backlog-item").filter({ hasText: title });
  await expect(item.getByTestId("verification")).toHaveText("Verified");
  await expect(item).toContainText("Card retries storm");
  const summary = page.getByTestId("backlog-summary").filter({ hasText: "Payments API" });
  await expect(summary.getByTestId("verified")).not.toHaveText("0");
  expect(errors).toEqual([]);
});

test("an item files its issue with its own service, and moving it moves the issue", async ({ page }) => {
  test.slow();
  // Two incidents: one on Ledger and Payments API, one on Payments API alone.
  const ids: string[] = [];
  for (const [title, services] of [[unique("Ledger and card writes time out"), "ledger, payments-api"], [unique("Card captures fail"), "payments-api"]]) {
    const declared = await page.request.post("/api/incidents/declare", {
      form: { "incident[title]": title, "incident[severity]": "SEV2", "incident[services]": services },
      headers: { Accept: "application/json" },
    });
    expect(declared.status()).toBe(200);
    ids.push(String((await declared.json()).id));
  }
  const started = await page.request.post("/api/postmortems/start", { form: { incidents: ids.join(",") }, headers: { Accept: "application/json" } });
  const pm = await started.json();
  await page.goto(`/postmortems/${pm}?step=actions`);
  await waitForHydration(page);
  await page.getByText("Add an action item").click();
  const editor = page.getByTestId("action-editor");
  // Payments API is affected by both incidents, Ledger (first by name) by one.
  await expect(editor.getByLabel("Service").locator("option:checked")).toHaveText(/^Payments API · acme\/payments-api/);
  const title = unique("Contract test for card captures");
  await editor.getByLabel("What will change").fill(title);
  await editor.getByLabel("Kind").selectOption({ label: "Pipeline test" });
  await editor.getByRole("button", { name: "Add action item" }).click();
  const row = page.getByTestId("action-row").filter({ hasText: title });
  await expect(row.getByTestId("action-service")).toHaveText("Payments API (acme/payments-api)");
  const sync = row.getByTestId("sync");
  await expect(sync.getByRole("link", { name: /acme\/payments-api#\d+/ })).toBeVisible({ timeout: 15_000 });
  const first = Number((await sync.getByRole("link").first().textContent())!.split("#")[1]);

  // Moved to Ledger: the issue is filed there, and the first one closed with a pointer to it.
  await row.getByRole("link", { name: "Edit" }).click();
  const edit = row.getByTestId("action-editor");
  await edit.getByLabel("Service").selectOption({ label: "Ledger · acme/ledger · affected in 1" });
  await edit.getByRole("button", { name: "Save action item" }).click();
  await expect(row.getByTestId("action-service")).toHaveText("Ledger (acme/ledger)");
  const moved = sync.getByRole("link", { name: /acme\/ledger#\d+/ });
  await expect(moved).toBeVisible({ timeout: 15_000 });
  const second = Number((await moved.textContent())!.split("#")[1]);
  await expect.poll(async () => (await issues(page, "acme/payments-api")).find((i) => i.number === first)?.state, { timeout: 15_000 }).toBe("closed");
  const old = (await issues(page, "acme/payments-api")).find((i) => i.number === first)!;
  expect(old.state_reason).toBe("not_planned");
  expect(old.comments.join("\n")).toContain(`acme/ledger#${second}`);
  const open = (await issues(page, "acme/ledger")).filter((i) => i.title === title && i.state === "open");
  expect(open.map((i) => i.number)).toEqual([second]);

  // The backlog lists it under Ledger.
  await page.goto("/backlog");
  const ledger = page.locator("section.panel").filter({ has: page.getByRole("heading", { name: "Ledger", exact: true }) });
  await expect(ledger.getByTestId("backlog-item").filter({ hasText: title })).toBeVisible();
  const payments = page.locator("section.panel").filter({ has: page.getByRole("heading", { name: "Payments API", exact: true }) });
  await expect(payments.getByTestId("backlog-item").filter({ hasText: title })).toHaveCount(0);
});

test("a pull request waits for a review, and approving it flips its status on GitHub", async ({ page }) => {
  // A service of its own, so no incident another test opens decides its changes.
  const name = unique("Invoicer API");
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const repo = `acme/${slug}`;
  await page.request.post(`${fake}/_fake/repos`, { data: { full_name: repo } });
  const created = await page.request.post("/api/services/create", {
    form: { "service[name]": name, "service[slug]": slug, "service[repository]": repo },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);

  // Someone opens a pull request with a schema migration; GitHub tells the app.
  const sha = `${Date.now().toString(16)}abc`;
  const title = unique("Add an index on invoices");
  const opened = await page.request.post(`${fake}/_fake/repos/${repo}/pulls`, {
    data: { number: 12, title, head_sha: sha, files: ["migrations/0007_invoices_index.sql", "src/invoices.rs"] },
  });
  expect((await opened.json()).webhook_status).toBe(200);
  const newest = async () => {
    const answer = await page.request.get(`${fake}/repos/${repo}/commits/${sha}/statuses`, {
      headers: { Authorization: "token test-token" },
    });
    const statuses: { state: string; context: string; target_url: string }[] = await answer.json();
    return statuses[0];
  };
  await expect.poll(async () => (await newest())?.state, { timeout: 15_000 }).toBe("pending");
  expect((await newest()).context).toBe("postmortem/change-gate");

  // The reviewer finds it in the queue, with the pull request's files, and approves it.
  await page.goto("/changes?review=pending");
  await page.getByTestId("change-row").filter({ hasText: title }).getByRole("link", { name: title }).click();
  await waitForHydration(page);
  await expect(page.getByText("migrations/0007_invoices_index.sql", { exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "#12" })).toBeVisible();
  const form = page.getByTestId("review-form");
  await form.getByLabel("Comment").fill("The index is built concurrently.");
  await form.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("change-review")).toContainText("Approved");

  // The status on GitHub flips, and links back to the change.
  await expect.poll(async () => (await newest())?.state, { timeout: 15_000 }).toBe("success");
  expect((await newest()).target_url).toMatch(/\/changes\/\d+$/);
});

test("a guardrail added from a contributing factor holds a pull request for review, and approving it flips its status", async ({ page }) => {
  test.slow();
  // A service of its own on the fake, and a postmortem of an incident on it.
  const name = unique("Seeder API");
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const repo = `acme/${slug}`;
  await page.request.post(`${fake}/_fake/repos`, { data: { full_name: repo } });
  const created = await page.request.post("/api/services/create", {
    form: { "service[name]": name, "service[slug]": slug, "service[repository]": repo },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);
  // A SEV4 (which holds no change by itself) and its postmortem.
  const declared = await page.request.post("/api/incidents/declare", {
    form: { "incident[title]": unique("Seed data wiped"), "incident[severity]": "SEV4", "incident[services]": slug, "incident[commander]": "", "incident[summary]": "" },
    headers: { Accept: "application/json" },
  });
  expect(declared.status(), await declared.text()).toBe(200);
  const started = await page.request.post("/api/postmortems/start", {
    form: { incidents: String((await declared.json()).id) },
    headers: { Accept: "application/json" },
  });
  expect(started.status(), await started.text()).toBe(200);
  const pm: number = await started.json();

  // The team writes down what contributed, and the problem manager turns it into a guardrail.
  await page.goto(`/postmortems/${pm}`);
  await waitForHydration(page);
  await page.getByTestId("step-factors").click();
  await page.getByText("Add a contributing factor").click();
  const adding = page.getByTestId("factor-editor").first();
  await adding.getByLabel("Factor", { exact: true }).fill("Seed scripts run against production");
  await adding.getByRole("button", { name: "Add factor" }).click();
  const card = page.getByTestId("factor-card").filter({ hasText: "Seed scripts run against production" });
  await card.getByRole("link", { name: "Add a guardrail" }).click();
  await expect(page.getByRole("heading", { name: "Add a guardrail" })).toBeVisible();
  await expect(page.getByTestId("guardrail-source")).toContainText("Seed scripts run against production");
  await waitForHydration(page);
  const form = page.getByTestId("guardrail-form");
  await expect(form.getByLabel("Service it guards")).toHaveValue(slug);
  await form.getByLabel("What it asks for").selectOption({ label: "Changes to a path need review" });
  // Nothing named: refused beside the field.
  await form.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator('.field-error[data-field="parameter"]')).toContainText("Name the path");
  await form.getByLabel("Parameter").fill("db/seeds/**");
  await form.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page).toHaveURL(/\/guardrails/);
  const guardrail = page.getByTestId("guardrail").filter({ hasText: `Changes to db/seeds/ on ${slug} need review` });
  await expect(guardrail).toBeVisible();
  await expect(guardrail.getByRole("link", { name: `Postmortem #${pm}` })).toBeVisible();

  // A pull request touching the seeds: the gate holds it and cites the postmortem.
  const sha = `${Date.now().toString(16)}def`;
  const title = unique("Refresh the demo seeds");
  const opened = await page.request.post(`${fake}/_fake/repos/${repo}/pulls`, {
    data: { number: 31, title, head_sha: sha, files: ["db/seeds/customers.rb", "README.md"] },
  });
  expect((await opened.json()).webhook_status).toBe(200);
  const newest = async () => {
    const answer = await page.request.get(`${fake}/repos/${repo}/commits/${sha}/statuses`, { headers: { Authorization: "token test-token" } });
    const statuses: { state: string }[] = await answer.json();
    return statuses[0];
  };
  await expect.poll(async () => (await newest())?.state, { timeout: 15_000 }).toBe("pending");
  await page.goto("/changes?review=pending");
  await page.getByTestId("change-row").filter({ hasText: title }).getByRole("link", { name: title }).click();
  await waitForHydration(page);
  const reasons = page.getByTestId("change-reasons");
  await expect(reasons).toContainText("guardrail");
  await expect(reasons).toContainText("db/seeds/customers.rb");
  await expect(reasons.getByRole("link", { name: `/postmortems/${pm}` })).toBeVisible();
  const review = page.getByTestId("review-form");
  await review.getByLabel("Comment").fill("Seeds only touch the demo tenant.");
  await review.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("change-review")).toContainText("Approved");
  await expect.poll(async () => (await newest())?.state, { timeout: 15_000 }).toBe("success");

  // Retired by hand, with a reason, it stops holding changes.
  await page.goto("/guardrails");
  await waitForHydration(page);
  const active = page.getByTestId("guardrail").filter({ hasText: `Changes to db/seeds/ on ${slug} need review` });
  await active.getByLabel("Why it is no longer needed").fill("Seeds moved to a fixture service.");
  await active.getByRole("button", { name: "Retire" }).click();
  await expect(page.getByTestId("retired-guardrail").filter({ hasText: slug })).toContainText("Seeds moved to a fixture service.");
});

test("the backlog journey: logins, assigned issues in the right repositories, a failure retried, verification, disconnecting", async ({ page, browser, baseURL }) => {
  test.setTimeout(90_000);
  // A member says who they are on GitHub, in the browser.
  const memberContext = await browser.newContext({ baseURL, storageState: storageFor("member") });
  const member = await memberContext.newPage();
  await member.goto("/account");
  await waitForHydration(member);
  await member.getByLabel("GitHub login").fill("mo-octo");
  await member.getByRole("button", { name: "Save GitHub login" }).click();
  await expect(member.getByLabel("GitHub login")).toHaveValue("mo-octo");
  await memberContext.close();

  // A service whose repository the app may not write to yet.
  const legacy = unique("Legacy billing");
  const slug = legacy.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const repo = `acme/${slug}`;
  await page.request.post(`${fake}/_fake/repos`, { data: { full_name: repo, writable: false } });
  const created = await page.request.post("/api/services/create", {
    form: { "service[name]": legacy, "service[slug]": slug, "service[repository]": repo },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);

  // Items owned by the member become issues assigned to their login, each in its service's repository.
  const add = async (pm: number, title: string) => {
    await page.goto(`/postmortems/${pm}?step=actions`);
    await waitForHydration(page);
    await page.getByText("Add an action item").click();
    const editor = page.getByTestId("action-editor").last();
    await editor.getByLabel("What will change").fill(title);
    await editor.getByLabel("Kind").selectOption({ label: "Pipeline test" });
    await editor.getByLabel("Owner").selectOption({ label: DEMO.member.name });
    await editor.getByRole("button", { name: "Add action item" }).click();
    return page.getByTestId("action-row").filter({ hasText: title });
  };
  const payments = await startPostmortem(page.request, unique("Refund double posts"), "payments-api");
  const first = unique("Contract test for refunds");
  const second = unique("Idempotency test for refunds");
  for (const title of [first, second]) {
    const row = await add(payments, title);
    await expect(row.getByTestId("sync")).toHaveAttribute("data-state", "synced", { timeout: 15_000 });
    await expect(row.getByTestId("sync").getByRole("link", { name: /acme\/payments-api#\d+/ })).toBeVisible();
  }
  let filed = await issues(page, "acme/payments-api");
  for (const title of [first, second]) {
    const issue = filed.find((i) => i.title === title)!;
    expect(issue.assignees).toEqual(["mo-octo"]);
  }

  // Editing an item: its issue follows.
  const row = page.getByTestId("action-row").filter({ hasText: first });
  await row.getByRole("link", { name: "Edit" }).click();
  await row.getByTestId("action-editor").getByLabel("What will change").fill(`${first} and chargebacks`);
  await row.getByTestId("action-editor").getByRole("button", { name: "Save action item" }).click();
  await expect.poll(async () => (await issues(page, "acme/payments-api")).some((i) => i.title === `${first} and chargebacks`), { timeout: 15_000 }).toBe(true);

  // The read-only repository fails, with the reason; once writable, Retry files it.
  const blocked = await add(await startPostmortem(page.request, unique("Invoice totals off"), slug), unique("Invoice rounding test"));
  const badge = blocked.getByTestId("sync");
  await expect(badge).toHaveAttribute("data-state", /failed|parked/, { timeout: 15_000 });
  await expect(badge).toContainText("did not allow");
  await page.request.post(`${fake}/_fake/repos`, { data: { full_name: repo, writable: true } });
  await badge.getByRole("button", { name: "Retry" }).click();
  await expect(blocked.getByTestId("sync")).toHaveAttribute("data-state", "synced", { timeout: 20_000 });
  expect((await issues(page, repo)).filter((i: FakeIssue) => i.labels.includes("postmortem-action"))).toHaveLength(1);

  // Closed without a merged fix: closed, unverified; with one: verified. The backlog counts both.
  filed = await issues(page, "acme/payments-api");
  const close = async (title: string, reason: string, merged: boolean) => {
    const issue = filed.find((i) => i.title.startsWith(title))!;
    const closed = await page.request.post(`${fake}/_fake/repos/acme/payments-api/issues/${issue.number}/close`, { data: { reason, merged_pr: merged } });
    expect((await closed.json()).webhook_status).toBe(200);
  };
  await close(first, "completed", false);
  await close(second, "completed", true);
  await page.goto("/backlog");
  await waitForHydration(page);
  await expect(page.getByTestId("backlog-item").filter({ hasText: first }).getByTestId("verification")).toHaveText("Closed, unverified");
  await expect(page.getByTestId("backlog-item").filter({ hasText: second }).getByTestId("verification")).toHaveText("Verified");

  // Sync now shows its progress while the queue drains.
  await page.getByRole("button", { name: "Sync now" }).first().click();
  await expect(page.getByTestId("sync-progress").first()).toContainText("queued");

  // Disconnected: the page says so, and nothing more is sent.
  await page.goto("/admin/github");
  await waitForHydration(page);
  await page.getByTestId("disconnect-github").click();
  await expect(page.getByTestId("connection-state")).not.toHaveText("Connected.");
  await page.goto("/backlog");
  await expect(page.getByText("GitHub is not connected: items are tracked here only.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sync now" })).toHaveCount(0);
  // The issues filed stay linked on the items.
  await expect(page.getByTestId("backlog-item").filter({ hasText: second }).getByTestId("verification")).toHaveText("Verified");
});
