// Change control as a team meets it: a member gives their pipeline a token that only reports
// changes, the pipeline reports a schema migration and waits; a problem manager finds it in the
// review queue with the gate's reasons, cannot reject it without saying why, approves it, and the
// waiting pipeline goes on. The token opens nothing else.
import { type APIRequestContext, expect, request } from "@playwright/test";
import { slugOf, storageFor, unique, waitForHydration, test } from "./helpers";

/** A commit SHA of 12 random hexadecimal digits. */
const randomSha = () => Array.from({ length: 12 }, () => Math.floor(Math.random() * 16).toString(16)).join("");

async function report(pipeline: APIRequestContext, token: string, body: object) {
  const response = await pipeline.post("/api/v1/changes", {
    headers: { Authorization: `Bearer ${token}` },
    data: body,
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

test("a pipeline's migration waits in the review queue until a problem manager approves it", async ({ browser, baseURL }) => {
  // A service of its own: other tests open incidents on the demo's services, which would deny.
  const memberContext = await browser.newContext({ baseURL, storageState: storageFor("member") });
  const member = await memberContext.newPage();
  const service = unique("Reconciler API");
  const slug = slugOf(service);
  const created = await member.request.post("/api/services/create", {
    form: { "service[name]": service, "service[slug]": slug },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);

  // The member creates a token for this service's pipeline only.
  await member.goto("/account");
  await waitForHydration(member);
  await member.getByLabel("Token name").fill(unique("reconciler CI"));
  await member.getByLabel("May").selectOption({ label: "Report changes and deployments only" });
  await member.getByLabel("For (pipeline tokens)").selectOption({ label: service });
  await member.getByRole("button", { name: "Create token" }).click();
  const secret = (await member.getByTestId("new-token").textContent())!.trim();
  expect(secret).toMatch(/^pmt_[0-9a-f]{64}$/);
  await expect(member.locator("tr", { hasText: `Report changes and deployments of ${service}` })).toBeVisible();

  // The pipeline reports a migration: the gate asks for a review.
  const pipeline = await request.newContext({ baseURL });
  const title = unique("Add an index on reconciliations");
  const answer = await report(pipeline, secret, {
    service: slug,
    commit: randomSha(),
    title,
    paths: ["migrations/0042_reconciliations_index.sql"],
    checks: [
      { name: "unit tests", status: "success" },
      { name: "security scan", status: "passed" },
    ],
  });
  expect(answer.decision).toBe("review");
  expect(answer.url).toContain(`/changes/${answer.id}`);
  // The token does nothing but report.
  const elsewhere = await pipeline.post("/api/services/list", {
    form: { include_archived: "false" },
    headers: { Authorization: `Bearer ${secret}`, Accept: "application/json" },
  });
  expect(elsewhere.status()).toBe(403);
  // …and the pipeline blocks on the review.
  const waiting = pipeline.get(`/api/v1/changes/${answer.id}?wait=120`, { headers: { Authorization: `Bearer ${secret}` }, timeout: 130_000 });

  // A member sees the change but no review form.
  await member.goto(`/changes/${answer.id}`);
  await expect(member.getByRole("heading", { name: title })).toBeVisible();
  await expect(member.getByTestId("review-form")).toHaveCount(0);

  // The problem manager finds it in the queue.
  const pmContext = await browser.newContext({ baseURL, storageState: storageFor("pm") });
  const pm = await pmContext.newPage();
  await pm.goto("/changes");
  await pm.getByRole("link", { name: "Review queue" }).click();
  await expect(pm.getByRole("heading", { name: "Changes awaiting review" })).toBeVisible();
  const row = pm.getByTestId("change-row").filter({ hasText: title });
  await expect(row).toContainText("Needs review");
  await expect(row).toContainText("awaiting review");
  await row.getByRole("link", { name: title }).click();
  await expect(pm).toHaveURL(new RegExp(`/changes/${answer.id}$`));
  await waitForHydration(pm);
  await expect(pm.getByTestId("change-reasons")).toContainText("schema_migration");
  await expect(pm.getByTestId("change-check")).toHaveCount(2);

  // Rejecting without a reason is refused, naming the comment.
  const form = pm.getByTestId("review-form");
  await form.getByRole("button", { name: "Reject" }).click();
  await expect(pm.locator('.field-error[data-field="comment"]')).toContainText("Say why");
  await form.getByLabel("Comment").fill("Checked the plan: the index is built concurrently.");
  await form.getByRole("button", { name: "Approve" }).click();
  const review = pm.getByTestId("change-review");
  await expect(review).toContainText("Approved");
  await expect(review).toContainText("the index is built concurrently");
  await expect(pm.getByTestId("change-decision-panel").getByTestId("change-decision")).toHaveText("Allowed");

  // The waiting pipeline goes on with the reviewer's decision.
  const decided = await (await waiting).json();
  expect(decided.decision).toBe("allow");
  expect(decided.review.outcome).toBe("approved");

  // The queue no longer holds it; the list shows it allowed, filtered by its service.
  await pm.goto("/changes?review=pending");
  await expect(pm.getByTestId("change-row").filter({ hasText: title })).toHaveCount(0);
  await pm.goto(`/changes?service=${slug}&decision=allow`);
  await expect(pm.getByTestId("change-row").filter({ hasText: title })).toContainText("approved");
  await pipeline.dispose();
  await pmContext.close();
  await memberContext.close();
});
