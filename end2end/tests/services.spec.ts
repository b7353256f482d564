// The service catalog as a person uses it: list, filter, add, fix mistakes, edit, archive.
import { expect } from "@playwright/test";
import { slugOf, storageFor, unique, waitForHydration, test } from "./helpers";

test.use({ storageState: storageFor("member") });

test.describe("with JavaScript", () => {
  test("the catalog shows the demo services and hydrates", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("pageerror", (err) => errors.push(err.message));

    await page.goto("/services");
    await expect(page.getByRole("heading", { level: 1, name: "Services" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Payments API" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Services" }).first()).toHaveAttribute("aria-current", "page");
    await waitForHydration(page);
    expect(errors, "no console errors (CSP, hydration)").toEqual([]);
  });

  test("typing in the filter narrows the list at once", async ({ page }) => {
    await page.goto("/services");
    await waitForHydration(page);
    const rows = page.locator("table.catalog tbody tr:visible");
    const before = await rows.count();
    expect(before).toBeGreaterThan(2);
    await page.getByLabel("Filter services").fill("ledger");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText("Ledger");
    await expect(page.getByTestId("service-count")).toContainText(`1 of ${before} services`);
    await page.getByLabel("Filter services").fill("");
    await expect(rows).toHaveCount(before);
  });

  test("a new service is added and is still listed after a reload", async ({ page }) => {
    const name = unique("Billing");
    await page.goto("/services");
    await waitForHydration(page);
    await page.getByRole("link", { name: "Add service" }).click();
    await expect(page).toHaveURL(/\/services\/new$/);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Owning team").fill("Finance");
    await page.getByLabel("GitHub repository").fill("acme/billing");
    await page.getByLabel("Runbook").fill("https://runbooks.acme.example/billing");
    await page.getByLabel("Availability SLO (%)").fill("99.9");
    await page.getByLabel("Description").fill("Sends **invoices**.");
    await page.getByRole("button", { name: "Add service" }).click();

    await expect(page).toHaveURL(new RegExp(`/services/${slugOf(name)}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
    await expect(page.locator(".markdown strong")).toHaveText("invoices");
    await expect(page.getByText("error budget 43.2 min per 30 days")).toBeVisible();

    await page.goto("/services");
    await page.reload();
    await expect(page.getByRole("link", { name })).toBeVisible();
  });

  test("mistakes are explained next to their fields and nothing typed is lost", async ({ page }) => {
    await page.goto("/services/new");
    await waitForHydration(page);
    await page.getByLabel("Name").fill("Shipping");
    await page.getByLabel("GitHub repository").fill("shipping");
    await page.getByLabel("Availability SLO (%)").fill("120");
    await page.getByRole("button", { name: "Add service" }).click();

    const repoField = page.locator(".field", { has: page.getByLabel("GitHub repository") });
    await expect(repoField.locator(".field-error")).toHaveText(/owner\/name/);
    await expect(page.getByLabel("GitHub repository")).toHaveAttribute("aria-invalid", "true");
    const sloField = page.locator(".field", { has: page.getByLabel("Availability SLO (%)") });
    await expect(sloField.locator(".field-error")).toHaveText(/above 0 and below 100/);
    await expect(page.getByRole("alert").first()).toBeVisible();
    await expect(page).toHaveURL(/\/services\/new$/);
    await expect(page.getByLabel("Name")).toHaveValue("Shipping");

    // Fixing the mistakes and submitting again works.
    await page.getByLabel("GitHub repository").fill("acme/shipping-" + Date.now());
    await page.getByLabel("Availability SLO (%)").fill("99.5");
    await page.getByLabel("Slug").fill("shipping-" + Date.now().toString(36));
    await page.getByRole("button", { name: "Add service" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Shipping");
  });

  test("a slug already in use is refused next to the slug field", async ({ page }) => {
    await page.goto("/services/new");
    await waitForHydration(page);
    await page.getByLabel("Name").fill("Another ledger");
    await page.getByLabel("Slug").fill("ledger");
    await page.getByRole("button", { name: "Add service" }).click();
    const slugField = page.locator(".field", { has: page.getByLabel("Slug") });
    await expect(slugField.locator(".field-error")).toHaveText(/already uses this slug/);
  });

  test("a service is edited, archived and restored", async ({ page }) => {
    const name = unique("Inventory");
    await page.goto("/services/new");
    await waitForHydration(page);
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Add service" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);

    await page.getByRole("link", { name: "Edit" }).click();
    await expect(page.getByLabel("Name")).toHaveValue(name);
    await page.getByLabel("Owning team").fill("Warehouse");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.locator("dl.facts")).toContainText("Warehouse");

    await page.getByRole("button", { name: "Archive" }).click();
    await expect(page.locator("h1 .badge")).toHaveText("Archived");
    await page.goto("/services");
    await expect(page.getByRole("link", { name })).toHaveCount(0);
    await page.getByRole("link", { name: "Show archived" }).click();
    await expect(page.getByRole("link", { name })).toBeVisible();

    await page.getByRole("link", { name }).click();
    await waitForHydration(page);
    await page.getByRole("button", { name: "Restore" }).click();
    await expect(page.getByRole("link", { name: "Edit" })).toBeVisible();
  });

  test("an unknown address shows the not-found page", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await page.getByRole("link", { name: "Go to the service catalog" }).click();
    await expect(page).toHaveURL(/\/services$/);
  });

  test("the keyboard reaches the skip link first", async ({ page }) => {
    await page.goto("/services");
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, storageState: storageFor("member") });

  test("the catalog renders on the server", async ({ page }) => {
    await page.goto("/services");
    await expect(page.getByRole("link", { name: "Payments API" })).toBeVisible();
    await expect(page.locator("div.app")).toHaveAttribute("data-hydrated", "false");
  });

  test("a service is added with a plain form post", async ({ page }) => {
    const name = unique("Plain");
    await page.goto("/services/new");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("GitHub repository").fill("acme/plain");
    await page.getByRole("button", { name: "Add service" }).click();
    await expect(page).toHaveURL(new RegExp(`/services/${slugOf(name)}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
    await page.goto("/services");
    await expect(page.getByRole("link", { name })).toBeVisible();
  });

  test("a mistake comes back with its message next to the field", async ({ page }) => {
    await page.goto("/services/new");
    await page.getByLabel("Name").fill("No script");
    await page.getByLabel("Runbook").fill("wiki/runbooks");
    await page.getByRole("button", { name: "Add service" }).click();
    const field = page.locator(".field", { has: page.getByLabel("Runbook") });
    await expect(field.locator(".field-error")).toHaveText(/http:\/\/ or https:\/\//);
  });

  test("the filter works as a plain search form", async ({ page }) => {
    await page.goto("/services");
    await page.getByLabel("Filter services").fill("search");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/q=search/);
    await expect(page.locator("table.catalog tbody tr:visible")).toHaveCount(1);
  });
});
