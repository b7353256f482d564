// Signs each demo account in once (as a person would, through the page) and saves the cookies.
import { test as setup } from "@playwright/test";
import { type DemoRole, signIn, storageFor } from "./helpers";

for (const role of ["admin", "pm", "member", "viewer"] as DemoRole[]) {
  setup(`sign in as ${role}`, async ({ page }) => {
    await signIn(page, role);
    await page.context().storageState({ path: storageFor(role) });
  });
}
