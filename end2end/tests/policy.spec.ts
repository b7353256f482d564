// Policy as code as an administrator meets it: the policy in effect with its rules, a version with
// a syntax error refused beside the editor with its line and column (and nothing typed lost), a
// good version saved with its own tests passed, backtested on the last 90 days of changes and
// activated; a member reads the policy but has no editor. Freeze windows are set and ended on the
// guardrails page.
import { expect } from "@playwright/test";
import { slugOf, storageFor, unique, utcInputMinutesAgo, waitForHydration, test } from "./helpers";

test.use({ storageState: storageFor("admin") });

test("an administrator's policy with a syntax error is refused; a good one is tested, backtested and activated", async ({ page, browser, baseURL }) => {
  test.slow();
  await page.goto("/changes");
  await page.getByRole("link", { name: "Policy", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Change policy" })).toBeVisible();
  const rules = page.getByTestId("policy-active").getByTestId("policy-rule");
  await expect(rules.filter({ hasText: "open_incident" })).toHaveCount(1);
  await waitForHydration(page);

  // The policy in effect, word for word (the same rules, so other tests' changes decide alike).
  const source = (await page.getByTestId("policy-source").first().textContent())!;
  const form = page.getByTestId("policy-form");
  const editor = form.getByLabel("Policy (Rego)");
  const broken = source.replace("import rego.v1", "import rego.v1\n\ndeny contains msg if {\n  msg := \n}");
  await editor.fill(broken);
  await form.getByRole("button", { name: "Check and save" }).click();
  const error = page.locator('.field-error[data-field="source"]');
  await expect(error).toContainText("Not valid Rego");
  await expect(error).toContainText(/:\d+:\d+/);
  await expect(editor).toHaveValue(broken);
  await expect(page).toHaveURL(/\/policy$/);

  // Fixed: saved as a version whose own tests pass.
  await editor.fill(source);
  const note = unique("Checked again");
  await form.getByLabel("What changes").fill(note);
  await form.getByRole("button", { name: "Check and save" }).click();
  await expect(page).toHaveURL(/\/policy\/\d+$/);
  await expect(page.getByTestId("policy-status")).toHaveText("Ready");
  await expect(page.getByText(note)).toBeVisible();
  const tests = page.getByTestId("policy-test");
  expect(await tests.count()).toBeGreaterThanOrEqual(4);
  await expect(tests.filter({ hasText: "Failed" })).toHaveCount(0);
  const version = page.url().split("/").pop();

  // A backtest on the last 90 days: the same rules decide every change alike.
  await page.getByTestId("run-backtest").click();
  const summary = page.getByTestId("backtest-summary");
  await expect(summary).toContainText(/Decided \d+ changes again/);
  await expect(page.getByTestId("backtest-difference")).toHaveCount(0);

  // Activated, it is the version in effect.
  await waitForHydration(page);
  await page.getByTestId("activate-form").getByRole("button", { name: "Activate this version" }).click();
  await expect(page).toHaveURL(/\/policy$/);
  await expect(page.getByTestId("policy-active")).toContainText(`Version ${version} decides changes`);
  await expect(page.getByTestId("policy-version").filter({ hasText: note })).toContainText("In effect");

  // A member reads the policy and has no editor.
  const memberContext = await browser.newContext({ baseURL, storageState: storageFor("member") });
  const member = await memberContext.newPage();
  await member.goto("/policy");
  await expect(member.getByTestId("policy-active")).toContainText(`Version ${version} decides changes`);
  await expect(member.getByTestId("policy-form")).toHaveCount(0);
  await memberContext.close();
});

test("a freeze window is set for one service and ended early", async ({ page }) => {
  const service = unique("Statement printer");
  const slug = slugOf(service);
  const created = await page.request.post("/api/services/create", {
    form: { "service[name]": service, "service[slug]": slug },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);
  await page.goto("/guardrails");
  await waitForHydration(page);
  await page.getByText("Add a freeze window").click();
  const form = page.getByTestId("freeze-form");
  const reason = unique("Quarter close");
  await form.getByLabel("Reason").fill(reason);
  await form.getByLabel("Service").selectOption({ label: service });
  await form.getByLabel("From (UTC)").fill(utcInputMinutesAgo(5));
  // Ends before it starts: refused beside the field.
  await form.getByLabel("Until (UTC)").fill(utcInputMinutesAgo(10));
  await form.getByRole("button", { name: "Add freeze window" }).click();
  await expect(page.locator('.field-error[data-field="ends_at"]')).toContainText("ends after it starts");
  await form.getByLabel("Until (UTC)").fill(utcInputMinutesAgo(-120));
  await form.getByRole("button", { name: "Add freeze window" }).click();
  const row = page.getByTestId("freeze").filter({ hasText: reason });
  await expect(row).toContainText("Active");
  await expect(row).toContainText(service);
  await row.getByRole("button", { name: "End now" }).click();
  await expect(page.getByTestId("freeze").filter({ hasText: reason })).toHaveCount(0);
});
