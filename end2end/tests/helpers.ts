// Shared steps for the browser tests: a `test` that fails on uncaught page errors, demo accounts,
// signing in, hydration, unique names, a postmortem started through the API.
import { type APIRequestContext, test as base, expect, type Page, request } from "@playwright/test";

/** Playwright's `test`, whose page fails the test on an uncaught error (a panic in the WebAssembly
 * app, a script error) however late in the test it comes, after every interaction. */
export const test = base.extend<{ uncaughtErrors: string[] }>({
  uncaughtErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await use(errors);
      expect(errors, "uncaught errors in the page during the test").toEqual([]);
    },
    { auto: true },
  ],
});

/** Collects a page's uncaught errors into `errors` (a new list unless one is given), and with
 * `console` its console errors too; for pages other than the test's own `page`, which the `test`
 * fixture above watches already, or for a test that checks the list at a point of its own. */
export function watchErrors(page: Page, errors: string[] = [], console = false) {
  page.on("pageerror", (error) => errors.push(error.message));
  if (console) page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text().split("\n\nStack:")[0]));
  return errors;
}

/** The demo accounts the server seeds (see server/backend/src/seed.rs). */
export const DEMO = {
  admin: { email: "admin@demo.example", password: "demo-admin-pass", name: "Ada Admin" },
  pm: { email: "pm@demo.example", password: "demo-pm-pass", name: "Pat Problem-Manager" },
  member: { email: "member@demo.example", password: "demo-member-pass", name: "Mo Member" },
  viewer: { email: "viewer@demo.example", password: "demo-viewer-pass", name: "Vi Viewer" },
} as const;

export type DemoRole = keyof typeof DEMO;

/** Where a role's signed-in cookies are saved by auth.setup.ts. */
export const storageFor = (role: DemoRole) => `.auth/${role}.json`;

/** Someone who can sign in. */
export type Person = { email: string; password: string; name: string };

/** Signs in through the sign-in page, as a demo account or as `person`. */
export async function signIn(page: Page, who: DemoRole | Person, next = "/services") {
  const person = typeof who === "string" ? DEMO[who] : who;
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/?]/g, "\\$&")}$`));
}

/** A person of their own (created by the demo admin), for a test that signs in and out: an
 * account may sign in five times a minute, so tests do not take turns with the demo accounts. */
export async function newPerson(baseURL: string, role: "member" | "viewer" | "problem_manager" | "admin" = "member"): Promise<Person> {
  const admin = await request.newContext({ baseURL, storageState: storageFor("admin") });
  const name = unique("Person");
  const person = { name, email: `${slugOf(name)}@e2e.example`, password: "a pass of their own 123" };
  const created = await admin.post("/api/users/create", {
    form: { display_name: name, email: person.email, role, password: person.password, password_confirmation: person.password },
    headers: { Accept: "application/json" },
  });
  expect(created.status(), await created.text()).toBe(200);
  await admin.dispose();
  return person;
}

/** Waits until the WebAssembly app has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  // The first load compiles the (debug) wasm bundle, which takes a while on a busy machine.
  await expect(page.locator("div.app")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
}

/** A name no other test uses, so tests can share one database. */
export function unique(prefix: string) {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** The slug the app derives from a name. */
export function slugOf(name: string) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** A moment `minutes` before `from` (default: now, to the minute) as a `datetime-local` value in UTC. */
export function utcInputMinutesAgo(minutes: number, from: Date = new Date()) {
  const base = Math.floor(from.getTime() / 60_000) * 60_000;
  return new Date(base - minutes * 60_000).toISOString().slice(0, 16);
}

/** Declares an incident (on `services`, comma-separated slugs) and starts its postmortem through the
 * API, as the signed-in user of `request`; returns the postmortem's id. */
export async function startPostmortem(request: APIRequestContext, title: string, services = ""): Promise<number> {
  const declared = await request.post("/api/incidents/declare", {
    form: { "incident[title]": title, "incident[severity]": "SEV2", "incident[services]": services, "incident[commander]": "", "incident[summary]": "" },
    headers: { Accept: "application/json" },
  });
  expect(declared.status()).toBe(200);
  const started = await request.post("/api/postmortems/start", {
    form: { incidents: String((await declared.json()).id) },
    headers: { Accept: "application/json" },
  });
  expect(started.status()).toBe(200);
  return await started.json();
}

/** Monitoring at work: an Alertmanager integration (made by the demo admin) posts one firing
 * alert for `service` with this summary; returns the incidents the delivery opened. */
export async function postAlert(baseURL: string, alertname: string, summary: string, service = "payments-api"): Promise<number[]> {
  const admin = await request.newContext({ baseURL, storageState: storageFor("admin") });
  const response = await admin.post("/api/integrations/create", {
    form: {
      "integration[name]": unique("Alertmanager"),
      "integration[source]": "alertmanager",
      "integration[service]": "",
      "integration[service_label]": "service",
      "integration[severity_label]": "severity",
      "integration[signing_secret]": "",
      "integration[signature_header]": "",
      "integration[resolve_with_alert]": "on",
    },
    headers: { Accept: "application/json" },
  });
  expect(response.status(), await response.text()).toBe(200);
  const { token, integration } = await response.json();
  const labels = { alertname, service, severity: "warning" };
  const delivered = await admin.post(`/hooks/alertmanager/${integration.id}`, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      version: "4",
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
      status: "firing",
      receiver: "postmortem",
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "http://alertmanager.example.com:9093",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: { summary },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus.example.com:9090/graph",
          fingerprint: Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join(""),
        },
      ],
    },
  });
  expect(delivered.status(), await delivered.text()).toBe(200);
  const opened: number[] = (await delivered.json()).opened;
  await admin.dispose();
  return opened;
}
