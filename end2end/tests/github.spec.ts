// GitHub backlog sync as an admin and a team meet it, against the fake GitHub that scripts/e2e.sh
// starts: connecting and testing the connection, an action item becoming an issue with its labels
// and a link back, and closing that issue with a merged pull request flipping the item to verified
// in the open page, and on the pipeline-test backlog.
import { type Page, expect } from "@playwright/test";
import { startPostmortem, storageFor, unique, waitForHydration, test } from "./helpers";

const fake = process.env.FAKE_GITHUB_URL ?? "http://127.0.0.1:3939";
const secret = "end-to-end webhook secret";

type FakeIssue = { number: number; title: string; body: string; labels: string[]; html_url: string; sub_issues: number[] };

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
