// Accounts as people meet them: first-run setup, signing in and out, roles, tokens, the audit trail.
import { expect, type Page } from "@playwright/test";
import { DEMO, newPerson, signIn, storageFor, unique, waitForHydration, test } from "./helpers";

test.describe("first run", () => {
  test("an empty instance asks for its first administrator", async ({ page }) => {
    const emptyUrl = process.env.EMPTY_URL;
    test.skip(!emptyUrl, "scripts/e2e.sh starts an empty instance and sets EMPTY_URL");
    await page.goto(`${emptyUrl}/services`);
    await expect(page).toHaveURL(/\/setup$/);
    await expect(page.getByRole("heading", { name: "Welcome to Postmortem" })).toBeVisible();
    await waitForHydration(page);

    await page.getByLabel("Your name").fill("Grace");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByRole("textbox", { name: "Password", exact: true }).fill("short");
    await page.getByLabel("Password again").fill("short");
    await page.getByRole("button", { name: "Create administrator" }).click();
    const passwordField = page.locator(".field", { has: page.getByRole("textbox", { name: "Password", exact: true }) });
    await expect(passwordField.locator(".field-error")).toHaveText(/at least 10 characters/);

    await page.getByRole("textbox", { name: "Password", exact: true }).fill("a long enough password");
    await page.getByLabel("Password again").fill("a long enough password");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await expect(page).toHaveURL(/\/services$/);
    await expect(page.locator(".user-menu")).toContainText("Grace");
    await expect(page.getByRole("link", { name: "Users" })).toBeVisible();

    await page.goto(`${emptyUrl}/setup`);
    await expect(page.getByRole("heading", { name: "Already set up" })).toBeVisible();
  });
});

test.describe("signing in and out", () => {
  test("a wrong password is explained, the right one leads to the page asked for", async ({ page, baseURL }) => {
    const person = await newPerson(baseURL!);
    await page.goto("/services/ledger");
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await waitForHydration(page);
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const field = page.locator(".field", { has: page.getByLabel("Password") });
    await expect(field.locator(".field-error")).toHaveText("The email or password is incorrect.");
    await expect(page.getByLabel("Email")).toHaveValue(person.email);

    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/services\/ledger$/);
    await expect(page.locator(".user-menu")).toContainText(person.name);
  });

  test("signing out ends the session", async ({ page, baseURL }) => {
    await signIn(page, await newPerson(baseURL!));
    await waitForHydration(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.goto("/services");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fservices$/);
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: storageFor("viewer") });

  test("sees the catalog without any edit control, and a forced post is refused", async ({ page }) => {
    await page.goto("/services/payments-api");
    await waitForHydration(page);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Payments API");
    await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Archive" })).toHaveCount(0);
    await page.goto("/services");
    await expect(page.getByRole("link", { name: "Payments API" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Add service" })).toHaveCount(0);

    const forced = await page.request.post("/api/services/create", {
      form: { "service[name]": "Viewer was here" },
      headers: { Accept: "application/json" },
    });
    expect(forced.status()).toBe(403);
    await page.reload();
    await expect(page.getByRole("link", { name: "Viewer was here" })).toHaveCount(0);
  });
});

test.describe("an administrator", () => {
  test.use({ storageState: storageFor("admin") });

  test("adds a person, and the audit trail shows who did it", async ({ page }) => {
    const email = `${unique("new").replace(/\s+/g, "-").toLowerCase()}@example.com`;
    await page.goto("/admin/users");
    await waitForHydration(page);
    await page.getByRole("textbox", { name: "Name", exact: true }).fill("New Person");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByLabel("First password", { exact: true }).fill("first password 1");
    await page.getByLabel("First password again").fill("first password 1");
    await page.getByRole("button", { name: "Add person" }).click();
    await expect(page.locator(`tr[data-email="${email}"]`)).toContainText("New Person");

    await page.getByRole("link", { name: "Audit trail" }).click();
    await expect(page).toHaveURL(/\/admin\/audit/);
    const row = page.locator("table.audit tbody tr", { hasText: email }).first();
    await expect(row).toContainText("user.created");
    await expect(row).toContainText(DEMO.admin.email);
  });
});

test.describe("an administrator managing people", () => {
  test.use({ storageState: storageFor("admin") });

  test("changes a person's role, then disables them: they are signed out and cannot sign in", async ({ page, browser, baseURL }) => {
    const person = await newPerson(baseURL!, "member");
    const theirs = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const them = await theirs.newPage();
    await signIn(them, person);
    await expect(them.getByRole("link", { name: "Add service" })).toBeVisible();

    await page.goto("/admin/users");
    await waitForHydration(page);
    const row = page.locator(`tr[data-email="${person.email}"]`);
    await row.getByLabel(`Role of ${person.email}`).selectOption("viewer");
    // The select shows "viewer" as soon as it is chosen: wait for the server to have saved it.
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/users/set-role") && r.request().method() === "POST");
    await row.getByRole("button", { name: "Change role" }).click();
    expect((await saved).status()).toBeLessThan(400);
    await expect(row.getByLabel(`Role of ${person.email}`)).toHaveValue("viewer");
    // Their next page is a viewer's: no way to add a service.
    await them.goto("/services");
    await expect(them.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(them.getByRole("link", { name: "Add service" })).toHaveCount(0);

    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row).toContainText("Disabled");
    await them.goto("/services");
    await expect(them).toHaveURL(/\/sign-in/);
    await them.getByLabel("Email").fill(person.email);
    await them.getByLabel("Password").fill(person.password);
    await them.getByRole("button", { name: "Sign in" }).click();
    await expect(them).toHaveURL(/\/sign-in/);
    await expect(them.locator(".field-error")).toBeVisible();
    await theirs.close();
  });
});

test.describe("a person with an account", () => {
  test("changes their password: the old one stops working, the new one signs in", async ({ page, baseURL }) => {
    const person = await newPerson(baseURL!);
    await signIn(page, person, "/account");
    await waitForHydration(page);
    const fresh = "a brand new pass 456";
    await page.getByLabel("Current password").fill("not the current one");
    await page.getByLabel("New password", { exact: true }).fill(fresh);
    await page.getByLabel("New password again").fill(fresh);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator('.field-error[data-field="current_password"]')).toContainText("not your current password");
    await page.getByLabel("Current password").fill(person.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator(".field-error")).toHaveText("The email or password is incorrect.");
    await signIn(page, { ...person, password: fresh });
  });
});

test.describe("a member", () => {
  test.use({ storageState: storageFor("member") });

  test("creates an API token that is shown once, then revokes it", async ({ page }) => {
    await page.goto("/account");
    await waitForHydration(page);
    const name = unique("CI");
    await page.getByLabel("Token name").fill(name);
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByTestId("new-token").textContent();
    expect(secret).toMatch(/^pmt_[0-9a-f]{64}$/);

    const withToken = await page.request.post("/api/services/list", {
      form: { include_archived: "false" },
      headers: { Authorization: `Bearer ${secret}`, Cookie: "" },
    });
    expect(withToken.status()).toBe(200);

    await page.reload();
    await expect(page.getByTestId("new-token")).toHaveCount(0);
    const row = page.locator("tr", { hasText: name });
    await row.getByRole("button", { name: /Revoke/ }).click();
    await expect(row).toContainText("Revoked");
    // The revoked token no longer opens anything.
    const revoked = await page.request.post("/api/services/list", {
      form: { include_archived: "false" },
      headers: { Authorization: `Bearer ${secret}`, Cookie: "" },
    });
    expect(revoked.status()).toBe(401);
  });

  test("sees the history of a service", async ({ page }) => {
    await page.goto("/services/search");
    await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
    await expect(page.locator("table.audit")).toContainText("service.created");
  });
});

/** The templates page loaded again after a save: the form's post is answered with a redirect
 * back, which the browser follows (a `goto` meanwhile would be interrupted by it). */
function templatesReloaded(page: Page) {
  return Promise.all([
    page.waitForResponse(
      (r) => r.request().isNavigationRequest() && r.request().method() === "GET" && new URL(r.url()).pathname === "/admin/templates",
    ),
    page.waitForEvent("load"),
  ]);
}

test.describe("postmortem templates", () => {
  test("an administrator changes what SEV4 requires; a viewer reads it, with no form", async ({ browser, baseURL }) => {
    const adminContext = await browser.newContext({ baseURL, storageState: storageFor("admin") });
    const page = await adminContext.newPage();
    await page.goto("/admin/templates");
    await waitForHydration(page);
    const sev4 = page.getByTestId("template-SEV4");
    const learnings = sev4.getByLabel("Went well, went badly, got lucky");
    const was = await learnings.isChecked();
    await learnings.setChecked(!was);
    // Without script the form posts and the browser follows the answer back to this page.
    const reloaded = templatesReloaded(page);
    await sev4.getByRole("button", { name: "Save SEV4" }).click();
    await reloaded;
    await expect(page.getByTestId("template-SEV4").getByLabel("Went well, went badly, got lucky")).toBeChecked({ checked: !was });

    const viewerContext = await browser.newContext({ baseURL, storageState: storageFor("viewer") });
    const viewer = await viewerContext.newPage();
    const response = await viewer.goto("/admin/templates");
    expect(response?.status()).toBe(200);
    await expect(viewer.getByTestId("templates-read-only")).toBeVisible();
    await expect(viewer.locator("form[action*='templates/save']")).toHaveCount(0);
    const text = viewer.getByTestId("template-SEV4");
    if (was) await expect(text).not.toContainText("Went well");
    else await expect(text).toContainText("Went well");
    // Put it back for the other tests.
    await page.getByTestId("template-SEV4").getByLabel("Went well, went badly, got lucky").setChecked(was);
    const restored = templatesReloaded(page);
    await page.getByTestId("template-SEV4").getByRole("button", { name: "Save SEV4" }).click();
    await restored;
    await adminContext.close();
    await viewerContext.close();
  });
});
