// The postmortem meeting as a team meets it: two people on one document see each other's typing,
// a clash on one field is shown to the later writer, the coach points at blame, the facilitator
// leads, the export downloads every section, and a participant cut off by a proxy catches up, or is
// told that their session ended.
import { type Browser, type Page, expect } from "@playwright/test";
import { DEMO, newPerson, signIn, startPostmortem, storageFor, unique, waitForHydration, test, watchErrors } from "./helpers";
import { readFile } from "node:fs/promises";

/** An admin and a member, each in a browser context of their own, and the errors of both pages. */
async function twoParticipants(browser: Browser, baseURL: string | undefined) {
  const admin = await browser.newContext({ storageState: storageFor("admin"), baseURL });
  const member = await browser.newContext({ storageState: storageFor("member"), baseURL });
  const a = await admin.newPage();
  const b = await member.newPage();
  const errors = watchErrors(b, watchErrors(a));
  const close = async () => {
    await admin.close();
    await member.close();
  };
  return { member, a, b, errors, close };
}

const field = (page: Page, key: string) => page.getByTestId(`field-${key}`);

test("two participants run one postmortem live", async ({ browser, baseURL }) => {
  test.slow();
  const { member, a, b, errors, close } = await twoParticipants(browser, baseURL);

  // An incident is declared, and its page starts the postmortem.
  const title = unique("Cache stampede");
  const declared = await a.request.post("/api/incidents/declare", {
    form: { "incident[title]": title, "incident[severity]": "SEV2", "incident[services]": "", "incident[commander]": "", "incident[summary]": "" },
    headers: { Accept: "application/json" },
  });
  expect(declared.status()).toBe(200);
  const incidentId = (await declared.json()).id;
  await a.goto(`/incidents/${incidentId}`);
  await waitForHydration(a);
  await a.getByRole("link", { name: "Start postmortem" }).click();
  await expect(a).toHaveURL(new RegExp(`/postmortems/new\\?incidents=${incidentId}$`));
  await waitForHydration(a);
  await expect(a.getByTestId("incident-choice").filter({ hasText: title }).getByRole("checkbox")).toBeChecked();
  await a.getByTestId("start-postmortem").click();
  await expect(a).toHaveURL(/\/postmortems\/\d+$/);
  const url = new URL(a.url()).pathname;
  await waitForHydration(a);

  // The second participant opens it; both are live and see each other.
  await b.goto(url);
  await waitForHydration(b);
  await expect(a.getByTestId("connection")).toHaveAttribute("data-state", "live");
  await expect(b.getByTestId("connection")).toHaveAttribute("data-state", "live");
  await expect(a.getByTestId("presence")).toContainText(DEMO.member.name);
  await expect(b.getByTestId("presence")).toContainText(DEMO.admin.name);

  // One types, the other sees it without reloading.
  await field(a, "summary").locator("textarea").fill("Every cache key expired at 10:00 and the database took the load.");
  await expect(field(b, "summary").locator("textarea")).toHaveValue(
    "Every cache key expired at 10:00 and the database took the load.",
    { timeout: 5_000 },
  );

  // Both change one field: the member is offline meanwhile, so their save comes later and clashes.
  await member.setOffline(true);
  await field(b, "impact").locator("textarea").fill("Some checkouts failed.");
  await expect(field(b, "impact").getByTestId("save-state")).toContainText(/Not saved yet|Saving/);
  await field(a, "impact").locator("textarea").fill("All checkouts failed for 12 minutes.");
  await expect(field(a, "impact").getByTestId("save-state")).toHaveText("Saved");
  await member.setOffline(false);
  const conflict = field(b, "impact").getByTestId("conflict");
  await expect(conflict).toBeVisible({ timeout: 15_000 });
  await expect(conflict.getByTestId("conflict-theirs")).toHaveText("All checkouts failed for 12 minutes.");
  await expect(conflict.getByTestId("conflict-mine")).toHaveText("Some checkouts failed.");
  await conflict.getByRole("button", { name: "Keep mine" }).click();
  await expect(field(b, "impact").getByTestId("save-state")).toHaveText("Saved");
  await expect(field(a, "impact").locator("textarea")).toHaveValue("Some checkouts failed.");

  // Nobody leads a new postmortem until someone says so; then the facilitator leads and the
  // follower goes along.
  await expect(b.getByTestId("facilitator")).toContainText("Nobody is facilitating yet");
  await a.getByTestId("lead").check();
  await a.getByTestId("step-learnings").click();
  await expect(b.getByTestId("panel-learnings")).toBeVisible();
  await expect(b.getByTestId("facilitator")).toContainText("step 4");

  // The coach flags blame, and leaves "fault tolerance" alone.
  await field(b, "went_badly").locator("textarea").fill("Bob should have checked the expiry settings.");
  const hints = field(b, "went_badly").getByTestId("coach-hints");
  await expect(hints).toContainText("Bob should have");
  await field(b, "went_well").locator("textarea").fill("Fault tolerance in the payment retries worked.");
  await expect(field(b, "went_well").getByTestId("save-state")).toHaveText("Saved");
  await expect(field(b, "went_well").getByTestId("coach-hints")).toHaveCount(0);

  // Review: the open hint is counted; the export downloads a Markdown file with every section.
  await a.getByTestId("step-review").click();
  await expect(a.getByTestId("open-hints")).toContainText("1 open hint");
  await expect(a.getByTestId("missing-sections")).toContainText("Contributing factors");
  // The hint says where it is, and a missing section is a link to its step.
  await expect(a.getByTestId("hint-places")).toContainText("went badly (1)");
  const [download] = await Promise.all([a.waitForEvent("download"), a.getByTestId("export-markdown").click()]);
  expect(download.suggestedFilename()).toMatch(/^postmortem-\d+-cache-stampede.*\.md$/);
  const markdown = await readFile((await download.path())!, "utf8");
  for (const heading of ["## 1. Summary and impact", "## 2. Timeline", "## 3. Contributing factors", "## 4. Went well", "## 5. Action items", "## 6. Review and publish"]) {
    expect(markdown).toContain(heading);
  }
  expect(markdown).toContain("Some checkouts failed.");
  expect(markdown).toContain("Bob should have checked");

  expect(errors).toEqual([]);
  await close();
});

test("the causal board changes live for everyone, and a clash on one factor is shown to the later writer", async ({ browser, baseURL }) => {
  test.slow();
  const { a, b, errors, close } = await twoParticipants(browser, baseURL);
  const url = `/postmortems/${await startPostmortem(a.request, unique("Consumer lag"))}`;
  for (const page of [a, b]) {
    await page.goto(url);
    await waitForHydration(page);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
    await page.getByTestId("follow").uncheck();
    await page.getByTestId("step-factors").click();
  }

  // The admin adds a factor; the coach reads the whys as they are typed.
  await a.getByText("Add a contributing factor").click();
  const adding = a.getByTestId("factor-editor").first();
  await adding.getByLabel("Factor", { exact: true }).fill("Consumers scaled too late");
  await adding.getByLabel(/5 whys/).fill("The on-call failed to escalate the page");
  await expect(adding.getByTestId("coach-hints")).toContainText("failed to");
  await adding.getByLabel(/5 whys/).fill("The autoscaler reads CPU, not queue depth");
  await expect(adding.getByTestId("coach-hints")).toHaveCount(0);
  await adding.getByRole("button", { name: "Add factor" }).click();

  // The member sees it without reloading.
  const cardOf = (page: Page) => page.getByTestId("factor-card").filter({ hasText: "Consumers scaled" });
  await expect(cardOf(b)).toBeVisible({ timeout: 5_000 });
  await expect(cardOf(a)).toContainText("queue depth");

  // Both edit it: the member's save comes second and is shown the clash, with the admin's
  // version on the card above, and keeps theirs.
  for (const page of [a, b]) await cardOf(page).getByText("Edit", { exact: true }).click();
  await cardOf(a).getByLabel("Factor", { exact: true }).fill("Consumers scaled ten minutes late");
  await cardOf(a).getByRole("button", { name: "Save factor" }).click();
  await expect(cardOf(b).locator("h4")).toHaveText("Consumers scaled ten minutes late", { timeout: 5_000 });
  await cardOf(b).getByLabel("Factor", { exact: true }).fill("Consumers scaled after the backlog peaked");
  await cardOf(b).getByRole("button", { name: "Save factor" }).click();
  const conflict = cardOf(b).getByTestId("conflict");
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText(DEMO.admin.name);
  await expect(cardOf(b).getByLabel("Factor", { exact: true })).toHaveValue("Consumers scaled after the backlog peaked");
  await conflict.getByRole("button", { name: "Keep mine" }).click();
  await expect(cardOf(b).locator("h4")).toHaveText("Consumers scaled after the backlog peaked");
  await expect(cardOf(a).locator("h4")).toHaveText("Consumers scaled after the backlog peaked", { timeout: 5_000 });

  // A bad evidence line is refused beside its field, and nothing typed is lost.
  await cardOf(a).getByText("Edit", { exact: true }).click();
  await cardOf(a).getByLabel(/Evidence/).fill("not a link");
  await cardOf(a).getByRole("button", { name: "Save factor" }).click();
  await expect(cardOf(a).locator(".field-error")).toBeVisible();
  await expect(cardOf(a).getByLabel(/Evidence/)).toHaveValue("not a link");
  await cardOf(a).getByRole("button", { name: "Cancel" }).click();

  // The timeline: marking an entry as detection shows on both pages.
  await a.getByTestId("step-timeline").click();
  await b.getByTestId("step-timeline").click();
  await a.getByTestId("moment-select").first().selectOption("detection");
  await expect(b.getByTestId("pm-entry").first()).toContainText("Detected", { timeout: 5_000 });

  expect(errors).toEqual([]);
  await close();
});

test("a participant whose live connection is refused by a proxy reconnects and catches up", async ({ browser, baseURL }) => {
  const { a, b, errors, close } = await twoParticipants(browser, baseURL);

  const url = `/postmortems/${await startPostmortem(a.request, unique("Proxy restart"))}`;

  // A proxy in front of the app answers the admin's live connection with 502 while the app restarts.
  // An error answer closes an EventSource for good, so the page must open a new one itself.
  let refusing = true;
  let refused = 0;
  await a.route("**/live/postmortems/**", async (route) => {
    if (refusing) {
      refused += 1;
      await route.fulfill({ status: 502, body: "Bad gateway" });
    } else {
      await route.continue();
    }
  });
  await a.goto(url);
  await waitForHydration(a);
  await expect(a.getByTestId("connection")).toHaveAttribute("data-state", "reconnecting");
  await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

  // Meanwhile the member, connected directly, writes the summary.
  await b.goto(url);
  await waitForHydration(b);
  await expect(b.getByTestId("connection")).toHaveAttribute("data-state", "live");
  await field(b, "summary").locator("textarea").fill("The load balancer drained every node at once.");
  await expect(field(b, "summary").getByTestId("save-state")).toHaveText("Saved");

  // The proxy lets connections through again: the admin is live and has what was missed.
  refusing = false;
  await expect(a.getByTestId("connection")).toHaveAttribute("data-state", "live", { timeout: 20_000 });
  await expect(field(a, "summary").locator("textarea")).toHaveValue("The load balancer drained every node at once.");
  await expect(a.getByTestId("presence")).toContainText(DEMO.member.name);

  expect(errors).toEqual([]);
  await close();
});

test("a participant whose session ended is told so, keeps their text, and is live again after signing in", async ({ browser, baseURL }) => {
  // A session of its own: signing out must not end the session the other tests share.
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const person = await newPerson(baseURL!);
  await signIn(page, person);
  const pm = await startPostmortem(page.request, unique("Session ended"));

  // The proxy refuses the live connection, and meanwhile the session ends (signed out elsewhere).
  let refusing = true;
  await page.route("**/live/postmortems/**", (route) =>
    refusing ? route.fulfill({ status: 502, body: "Bad gateway" }) : route.continue(),
  );
  await page.goto(`/postmortems/${pm}`);
  await waitForHydration(page);
  const connection = page.getByTestId("connection");
  await expect(connection).toHaveAttribute("data-state", "reconnecting");
  const signedOut = await page.request.post("/api/auth/sign-out", { headers: { Accept: "application/json" } });
  expect(signedOut.status()).toBe(200);
  refusing = false;

  // The app itself now refuses the connection: the page says why, and what is typed is kept.
  await expect(connection).toHaveAttribute("data-state", "signedout", { timeout: 15_000 });
  await expect(connection).toContainText("Signed out");
  await expect(page.getByTestId("sign-in-again")).toHaveAttribute("href", /^\/sign-in\?next=\/postmortems\/\d+$/);
  await field(page, "summary").locator("textarea").fill("Typed after the session ended.");
  await expect(field(page, "summary").getByTestId("save-state")).toContainText("Your session has ended");

  // Signing in again (as in another tab) saves the text and brings the meeting back.
  const again = await page.request.post("/api/auth/sign-in", {
    form: { email: person.email, password: person.password },
    headers: { Accept: "application/json" },
  });
  expect(again.status()).toBe(200);
  await expect(field(page, "summary").getByTestId("save-state")).toHaveText("Saved", { timeout: 10_000 });
  await expect(connection).toHaveAttribute("data-state", "live", { timeout: 20_000 });
  await page.reload();
  await waitForHydration(page);
  await expect(field(page, "summary").locator("textarea")).toHaveValue("Typed after the session ended.");

  expect(errors).toEqual([]);
  await context.close();
});

test("on a phone, choosing a step brings its content into view", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, storageState: storageFor("member"), viewport: { width: 390, height: 700 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const pm = await startPostmortem(page.request, unique("Phone steps"));
  await page.goto(`/postmortems/${pm}`);
  await waitForHydration(page);
  await page.getByTestId("step-actions").click();
  // The step pills fill the phone's screen; the chosen step's heading is scrolled into view.
  await expect(page.getByTestId("panel-actions").getByRole("heading", { level: 2 })).toBeInViewport();
  expect(errors).toEqual([]);
  await context.close();
});

test("a postmortem of two incidents is started from the list, and its items are kept without JavaScript", async ({ browser, baseURL }) => {
  const admin = await browser.newContext({ storageState: storageFor("admin"), baseURL });
  const a = await admin.newPage();
  const word = unique("Inventory");
  const titles = [`${word} sync stalls`, `${word} counts drift`];
  for (const title of titles) {
    const declared = await a.request.post("/api/incidents/declare", {
      form: { "incident[title]": title, "incident[severity]": "SEV3", "incident[services]": "ledger" },
      headers: { Accept: "application/json" },
    });
    expect(declared.status()).toBe(200);
  }
  // Both are found by a search and chosen together.
  await a.goto(`/postmortems/new?q=${encodeURIComponent(word)}`);
  await waitForHydration(a);
  for (const title of titles) await a.getByTestId("incident-choice").filter({ hasText: title }).getByRole("checkbox").check();
  await a.getByTestId("start-postmortem").click();
  await expect(a).toHaveURL(/\/postmortems\/\d+$/);
  const url = new URL(a.url()).pathname;
  for (const title of titles) await expect(a.getByTestId("pm-incident").filter({ hasText: title })).toBeVisible();
  await admin.close();

  // Without JavaScript: an action item is added, opened with ?edit= and changed.
  const plain = await browser.newContext({ storageState: storageFor("member"), baseURL, javaScriptEnabled: false });
  const b = await plain.newPage();
  await b.goto(`${url}?step=actions`);
  await b.getByText("Add an action item").click();
  const editor = b.getByTestId("action-editor").last();
  await editor.getByLabel("What will change").fill("Alert when inventory sync lags 5 minutes");
  await editor.getByRole("button", { name: "Add action item" }).click();
  const row = b.getByTestId("action-row").filter({ hasText: "inventory sync lags" });
  await expect(row).toBeVisible();
  await row.getByRole("link", { name: "Edit" }).click();
  await expect(b).toHaveURL(/\?edit=action-\d+/);
  const open = b.locator("details[open]").getByTestId("action-editor");
  await open.getByLabel("What will change").fill("Alert when inventory sync lags 2 minutes");
  await open.getByRole("button", { name: "Save action item" }).click();
  await expect(b.getByTestId("action-row").filter({ hasText: "lags 2 minutes" })).toBeVisible();
  await plain.close();
});
