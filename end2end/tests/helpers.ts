// Shared steps for the browser tests: waiting for hydration and making unique names.
import { expect, type Page } from "@playwright/test";

/** Waits until the WebAssembly app has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("div.app")).toHaveAttribute("data-hydrated", "true");
}

/** A name no other test uses, so tests can share one database. */
export function unique(prefix: string) {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** The slug the app derives from a name. */
export function slugOf(name: string) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
