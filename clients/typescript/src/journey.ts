// The main journey of the portal, as a frontend would walk it, against the server at
// BASE_URL: log in as the demo admin, read the catalog and the free numbers, create a
// draft order, correct it, confirm it, and read the subscription it created. Then keep an
// employee's own number: a port-in order, the owner's power of attorney opened from the
// emailed link (read from the server's mailbox folder, MAILBOX_DIR) and signed; the demo
// company is a sandbox, so its business time stands still until its test clock is
// advanced: an hour on, the simulated donor has accepted with a port date; on to the port
// date past 02:00 Danish time, the number has moved. A partner's endpoint, registered
// before the confirmation, receives `order.confirmed` and verifies its signature with the
// Standard Webhooks library, and later `number_port.completed`. Then two employees are
// onboarded from a spreadsheet (a semicolon CSV with a BOM): a dry run names the bad row,
// the fixed file becomes a job, drafted with a priced total, confirmed as a whole. Last,
// the demo viewer forgets the password: asks for a reset, follows the emailed link,
// chooses a new one and logs in.
//
//     BASE_URL=http://127.0.0.1:8080 MAILBOX_DIR=./data/mailbox npm run journey
//
// Every request is typed by src/schema.d.ts (generated from openapi/openapi.json), so a
// change to the document that breaks this client breaks `npm run typecheck`. Exits 1 on
// the first answer that is not what the document and the design promise.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import createClient from "openapi-fetch";
import { Webhook } from "standardwebhooks";
import type { paths } from "./schema.js";

const baseUrl = process.env.BASE_URL;
if (!baseUrl) {
  console.error("journey: set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080");
  process.exit(2);
}
const username = process.env.DEMO_ADMIN_USERNAME ?? "admin@nordlys.example";
const password = process.env.DEMO_ADMIN_PASSWORD ?? "demo-admin-password";

class Mismatch extends Error {}

function expect(condition: boolean, what: string): void {
  if (!condition) {
    throw new Mismatch(what);
  }
}

function expectStatus(step: string, response: Response, status: number, error?: unknown): void {
  expect(
    response.status === status,
    `${step}: expected HTTP ${status}, got ${response.status}${error ? ` ${JSON.stringify(error)}` : ""}`,
  );
}

/** The problem document (RFC 9457) of an error answer, as far as the journey reads it. */
type ProblemBody = { code?: string; errors?: { pointer: string; code: string; message: string }[] };
function problemOf(error: unknown): ProblemBody {
  return (error ?? {}) as ProblemBody;
}

function step(name: string, detail: string): void {
  console.log(`  ok  ${name.padEnd(32)} ${detail}`);
}

// Initials are unique among a company's live subscriptions and drafts, and other checks
// may have run against the same server: pick fresh ones.
function freshInitials(): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let initials = "J";
  for (let i = 0; i < 5; i++) {
    initials += letters[Math.floor(Math.random() * letters.length)];
  }
  return initials;
}

async function main(): Promise<void> {
  // A JSON client: the emailed links' routes also answer a browser with text/html pages,
  // and "application/json" types every answer as the JSON this client reads.
  const client = createClient<paths, "application/json">({ baseUrl });

  // 1. Log in (the form encoding Swagger UI and OAuth2 clients use).
  const token = await client.POST("/auth/token", {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: { grant_type: "password", username, password },
  });
  expectStatus("POST /auth/token", token.response, 200, token.error);
  expect(token.data?.token_type === "Bearer", "POST /auth/token: token_type is not Bearer");
  expect((token.data?.access_token ?? "").length > 0, "POST /auth/token: no access_token");
  expect((token.data?.expires_in ?? 0) > 0, "POST /auth/token: expires_in is not positive");
  step("POST /auth/token", `Bearer token, expires in ${token.data?.expires_in} s`);

  const api = createClient<paths, "application/json">({
    baseUrl,
    headers: { Authorization: `Bearer ${token.data?.access_token}` },
  });

  // 2. The catalog.
  const plans = await api.GET("/catalog/plans");
  expectStatus("GET /catalog/plans", plans.response, 200, plans.error);
  const planList = plans.data?.items ?? [];
  expect(planList.length >= 4, `GET /catalog/plans: ${planList.length} plans, expected at least 4`);
  const plan = planList[0];
  expect(plan.code.length > 0 && plan.monthly_price_ore > 0, "GET /catalog/plans: a plan without code or price");
  const packages = await api.GET("/catalog/mobile-packages");
  expectStatus("GET /catalog/mobile-packages", packages.response, 200, packages.error);
  const packageList = packages.data?.items ?? [];
  expect(packageList.length >= 2, `GET /catalog/mobile-packages: ${packageList.length} packages, expected at least 2`);
  step("GET /catalog/plans", `${planList.length} plans, first ${plan.code}; ${packageList.length} packages`);

  // 3. A free number.
  const numbers = await api.GET("/numbers/available", { params: { query: { limit: 5 } } });
  expectStatus("GET /numbers/available", numbers.response, 200, numbers.error);
  const free = numbers.data?.items ?? [];
  // A sandbox company picks only from its own pool (the demo company's has 20 numbers).
  expect(free.length > 0, "GET /numbers/available: no free number left in the demo company's pool");
  const number = free[0].number;
  expect(/^\+45\d{8}$/.test(number), `GET /numbers/available: ${number} is not E.164 +45XXXXXXXX`);
  expect(free[0].source === "company", `GET /numbers/available: source ${free[0].source}; a sandbox picks from its own pool`);
  step("GET /numbers/available", `first free ${number} (${free[0].source})`);

  // 4. The draft: the review page.
  const initials = freshInitials();
  const created = await api.POST("/orders", {
    body: {
      plan: plan.code,
      mobile_package: packageList[0].code,
      data_sharing_cards: 1,
      employee: {
        name: "Mette Hansen",
        initials: initials.toLowerCase(),
        title: "Projektleder",
        email: `${initials.toLowerCase()}@nordlys.example`,
        cost_center: "4100",
      },
      number: { type: "new", number },
    },
  });
  expectStatus("POST /orders", created.response, 201, created.error);
  const draft = created.data;
  expect(draft !== undefined, "POST /orders: no body");
  if (!draft) return;
  expect(draft.status === "draft", `POST /orders: status ${draft.status}, expected draft`);
  expect(draft.version === 1, `POST /orders: version ${draft.version}, expected 1`);
  expect(draft.number.number === number, `POST /orders: number ${draft.number.number}, expected ${number}`);
  expect(!!draft.number.reserved_until, "POST /orders: the number has no reserved_until");
  expect(draft.employee.initials === initials, `POST /orders: initials ${draft.employee.initials}, expected ${initials}`);
  expect(draft.plan.code === plan.code, `POST /orders: plan ${draft.plan.code}, expected ${plan.code}`);
  expect(
    draft.summary.monthly_incl_vat_ore === draft.summary.monthly_ex_vat_ore + draft.summary.monthly_vat_ore,
    "POST /orders: monthly incl VAT is not ex VAT + VAT",
  );
  const location = created.response.headers.get("Location") ?? "";
  expect(location.endsWith(`/orders/${draft.id}`), `POST /orders: Location ${location} does not name the draft`);
  const etag = created.response.headers.get("ETag");
  expect(etag === `"${draft.version}"`, `POST /orders: ETag ${etag}, expected "${draft.version}"`);
  step("POST /orders", `draft ${draft.id}, ETag ${etag}`);

  // 5. Correct it: a merge patch of the reviewed version.
  const newPackage = packageList[packageList.length - 1].code;
  const edited = await api.PATCH("/orders/{id}", {
    params: { path: { id: draft.id }, header: { "If-Match": etag ?? "" } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { mobile_package: newPackage, data_sharing_cards: 2 },
  });
  expectStatus("PATCH /orders/{id}", edited.response, 200, edited.error);
  const patched = edited.data;
  if (!patched) return;
  expect(patched.status === "draft", `PATCH /orders/{id}: status ${patched.status}, expected draft`);
  expect(patched.version === 2, `PATCH /orders/{id}: version ${patched.version}, expected 2`);
  expect(patched.mobile_package.code === newPackage, `PATCH /orders/{id}: package ${patched.mobile_package.code}, expected ${newPackage}`);
  expect(patched.data_sharing_cards === 2, `PATCH /orders/{id}: data_sharing_cards ${patched.data_sharing_cards}, expected 2`);
  expect(patched.employee.name === "Mette Hansen", "PATCH /orders/{id}: the name changed, but the patch did not name it");
  expect(patched.number.number === number, "PATCH /orders/{id}: the number changed, but the patch did not name it");
  const etag2 = edited.response.headers.get("ETag");
  expect(etag2 === '"2"', `PATCH /orders/{id}: ETag ${etag2}, expected "2"`);
  step("PATCH /orders/{id}", `package ${newPackage}, ETag ${etag2}`);

  // A partner's receiver on this machine, registered for confirmed orders.
  const partner = await startReceiver();
  const endpoint = await api.POST("/webhook-endpoints", {
    body: { url: partner.url, events: ["order.confirmed"], description: "Journey receiver" },
  });
  expectStatus("POST /webhook-endpoints", endpoint.response, 201, endpoint.error);
  const secret = endpoint.data?.secret ?? "";
  expect(secret.startsWith("whsec_"), "POST /webhook-endpoints: the secret is not whsec_…");
  step("POST /webhook-endpoints", `endpoint ${endpoint.data?.endpoint.id} at ${partner.url}`);

  // 6. Confirm exactly what was reviewed.
  const confirmed = await api.POST("/orders/{id}/confirm", {
    params: {
      path: { id: draft.id },
      header: { "If-Match": etag2 ?? "", "Idempotency-Key": crypto.randomUUID() },
    },
  });
  expectStatus("POST /orders/{id}/confirm", confirmed.response, 201, confirmed.error);
  // 201: confirmed (202 would be an order awaiting approval; the demo's rule asks for none).
  const confirmation = confirmed.data as Confirmation | undefined;
  if (!confirmation) return;
  expect(confirmation.order.status === "confirmed", `confirm: order status ${confirmation.order.status}`);
  const subscription = confirmation.subscription;
  expect(confirmation.order.subscription_id === subscription.id, "confirm: order.subscription_id is not the subscription's id");
  expect(subscription.status === "active", `confirm: subscription status ${subscription.status}, expected active`);
  expect(subscription.number === number, `confirm: subscription number ${subscription.number}, expected ${number}`);
  expect(confirmation.number_port === null || confirmation.number_port === undefined, "confirm: a number_port for a new number");
  step("POST /orders/{id}/confirm", `subscription ${subscription.id}`);

  // The partner hears of it, signed: verified as any partner would, with the library.
  const delivery = await partner.next();
  partner.close();
  const headers: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    headers[name] = String(delivery.headers[name] ?? "");
  }
  const event = new Webhook(secret).verify(delivery.body, headers) as {
    id: string;
    type: string;
    sandbox?: boolean;
    data: { id: string; status: string };
  };
  expect(event.type === "order.confirmed", `webhook: type ${event.type}`);
  expect(event.sandbox === true, "webhook: a sandbox company's event without sandbox: true");
  expect(event.id === headers["webhook-id"], "webhook: the body's id is not the webhook-id");
  expect(event.data.id === confirmation.order.id, "webhook: another order");
  expect(event.data.status === "confirmed", `webhook: order status ${event.data.status}`);
  step("webhook order.confirmed", `verified, ${headers["webhook-id"]}`);

  // 7. The subscription, as the list of employees shows it.
  const read = await api.GET("/subscriptions/{id}", { params: { path: { id: subscription.id } } });
  expectStatus("GET /subscriptions/{id}", read.response, 200, read.error);
  const sub = read.data;
  if (!sub) return;
  expect(sub.id === subscription.id, "GET /subscriptions/{id}: another id");
  expect(sub.order_id === draft.id, `GET /subscriptions/{id}: order_id ${sub.order_id}, expected ${draft.id}`);
  expect(sub.status === "active", `GET /subscriptions/{id}: status ${sub.status}`);
  expect(sub.number === number, `GET /subscriptions/{id}: number ${sub.number}`);
  expect(sub.mobile_package.code === newPackage, `GET /subscriptions/{id}: package ${sub.mobile_package.code}`);
  expect(sub.data_sharing_cards === 2, `GET /subscriptions/{id}: data_sharing_cards ${sub.data_sharing_cards}`);
  expect(sub.employee.initials === initials, `GET /subscriptions/{id}: initials ${sub.employee.initials}`);
  expect(sub.uc_account.includes("@"), `GET /subscriptions/{id}: uc_account ${sub.uc_account}`);
  step("GET /subscriptions/{id}", `${sub.status}, ${sub.number}, sign-in ${sub.uc_account}`);

  await portIn(client, api, plan.code, packageList[0].code);
  await bulkOnboarding(api, plan.code, packageList[0].code);
  await resetPassword(client);
  await fourEyes(client, api, planList[planList.length - 1].code, packageList[packageList.length - 1].code);
}

async function fourEyes(publicClient: Client, api: Client, plan: string, mobilePackage: string): Promise<void> {
  // 14. A colleague joins as a second admin: invited, they choose a password from the
  // emailed link and log in.
  const colleagueEmail = `${freshInitials().toLowerCase()}@nordlys.example`;
  const before = mailboxNow();
  const invited = await api.POST("/users", { body: { email: colleagueEmail, role: "admin" } });
  expectStatus("POST /users", invited.response, 201, invited.error);
  const token = await mailedToken(colleagueEmail, "/auth/password-reset/", before);
  const colleaguePassword = `colleague-${crypto.randomUUID()}`;
  const chosen = await publicClient.POST("/auth/password-reset/{token}", {
    params: { path: { token } },
    body: { password: colleaguePassword },
  });
  expectStatus("POST /auth/password-reset/{token} (invitation)", chosen.response, 204, chosen.error);
  const login = await publicClient.POST("/auth/token", {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: { grant_type: "password", username: colleagueEmail, password: colleaguePassword },
  });
  expectStatus("POST /auth/token (colleague)", login.response, 200, login.error);
  const colleague = createClient<paths, "application/json">({
    baseUrl,
    headers: { Authorization: `Bearer ${login.data?.access_token}` },
  });
  step("POST /users", `${colleagueEmail} invited as admin and logged in`);

  // 15. Orders dearer than a threshold need a second admin. The dearest plan and package
  // cost one øre more than the threshold.
  const initials = freshInitials();
  const draft = await api.POST("/orders", {
    body: {
      plan,
      mobile_package: mobilePackage,
      data_sharing_cards: 0,
      employee: { name: "Nora Dahl", initials, title: "Direktør", email: `${initials.toLowerCase()}@nordlys.example` },
    },
  });
  expectStatus("POST /orders (dear)", draft.response, 201, draft.error);
  const monthly = draft.data?.summary.monthly_incl_vat_ore ?? 0;
  const company = await api.GET("/company");
  expectStatus("GET /company", company.response, 200, company.error);
  const ruleEtag = company.response.headers.get("ETag") ?? "";
  const ruled = await api.PATCH("/company", {
    params: { header: { "If-Match": ruleEtag } },
    body: { approval: { above_monthly_incl_vat_ore: monthly - 1 } },
    headers: { "Content-Type": "application/merge-patch+json" },
  });
  expectStatus("PATCH /company", ruled.response, 200, ruled.error);
  step("PATCH /company", `approval above ${ruled.data?.approval.above_monthly_incl_vat_ore} øre a month, for ${ruled.data?.approval.expires_after_hours} h`);
  try {
    const id = draft.data?.id ?? "";
    const asked = await api.POST("/orders/{id}/confirm", { params: { path: { id } } });
    expectStatus("POST /orders/{id}/confirm (dear)", asked.response, 202, asked.error);
    const waiting = asked.data as unknown as OrderDto;
    expect(waiting.status === "awaiting_approval", `confirm (dear): ${waiting.status}`);
    step("POST /orders/{id}/confirm", `${monthly} øre a month: awaiting approval until ${waiting.expires_at}`);
    const own = await api.POST("/orders/{id}/approve", { params: { path: { id } } });
    expectStatus("POST /orders/{id}/approve (maker)", own.response, 403, own.error);
    expect(problemOf(own.error).code === "self_approval", `approve (maker): ${problemOf(own.error).code}`);
    const approved = await colleague.POST("/orders/{id}/approve", {
      params: { path: { id }, header: { "If-Match": `"${waiting.version}"` } },
    });
    expectStatus("POST /orders/{id}/approve", approved.response, 201, approved.error);
    expect(approved.data?.order.approval?.decision === "approved", `approve: ${approved.data?.order.approval?.decision}`);
    step("POST /orders/{id}/approve", `by the colleague (the maker: 403 self_approval); subscription ${approved.data?.subscription.id}`);
  } finally {
    // Put the demo's rule back, so later checks confirm as before.
    const now = await api.GET("/company");
    await api.PATCH("/company", {
      params: { header: { "If-Match": now.response.headers.get("ETag") ?? "" } },
      body: { approval: { above_monthly_incl_vat_ore: null } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
  }
}

type OrderDto = paths["/orders/{id}"]["get"]["responses"][200]["content"]["application/json"];
type Confirmation = paths["/orders/{id}/confirm"]["post"]["responses"][201]["content"]["application/json"];

// A webhook receiver on loopback: answers 204 and hands over each request received.
async function startReceiver(): Promise<{
  url: string;
  next: () => Promise<{ headers: IncomingHttpHeaders; body: string }>;
  close: () => void;
}> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    next: async () => {
      for (let i = 0; i < 100; i++) {
        const first = received.shift();
        if (first) return first;
        await sleep(100);
      }
      throw new Mismatch("webhook: nothing arrived within 10 s");
    },
    close: () => server.close(),
  };
}

// The emails in the mailbox folder now, so that a later look finds only newer ones.
function mailboxNow(): Set<string> {
  const mailbox = process.env.MAILBOX_DIR;
  expect(!!mailbox, "set MAILBOX_DIR to the server's mailbox folder");
  return new Set(readdirSync(mailbox ?? "").filter((name) => name.endsWith(".eml")));
}

// The newest link to `to` under `path` in the mailbox folder, in an email not among
// `before` (an earlier run's link to the same address is spent): its 43-character token.
async function mailedToken(to: string, path: string, before: Set<string>): Promise<string> {
  const mailbox = process.env.MAILBOX_DIR;
  expect(!!mailbox, "set MAILBOX_DIR to the server's mailbox folder");
  const pattern = new RegExp(`${path.replace(/\//g, "\\/")}([A-Za-z0-9_-]{43})`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = readdirSync(mailbox ?? "")
      .filter((name) => name.endsWith(".eml") && !before.has(name))
      .map((name) => join(mailbox ?? "", name))
      .map((file) => ({ file, at: statSync(file).mtimeMs }))
      .sort((a, b) => a.at - b.at)
      .map(({ file }) => readFileSync(file, "utf8").replace(/=\r?\n/g, ""))
      .filter((text) => text.includes(`To: ${to}`))
      .map((text) => pattern.exec(text)?.[1])
      .filter((token): token is string => !!token);
    if (found.length > 0) return found[found.length - 1];
    await sleep(100);
  }
  throw new Mismatch(`no link ${path} to ${to} in ${mailbox}`);
}

async function resetPassword(publicClient: Client): Promise<void> {
  // 13. The demo viewer forgot the password: the same answer whether or not the address
  // is known, and a single-use link by email.
  const viewer = process.env.DEMO_VIEWER_USERNAME ?? "viewer@nordlys.example";
  const before = mailboxNow();
  const asked = await publicClient.POST("/auth/password-reset", { body: { email: viewer } });
  expectStatus("POST /auth/password-reset", asked.response, 202, asked.error);
  const token = await mailedToken(viewer, "/auth/password-reset/", before);
  const link = await publicClient.GET("/auth/password-reset/{token}", { params: { path: { token } } });
  expectStatus("GET /auth/password-reset/{token}", link.response, 200, link.error);
  expect(link.data?.purpose === "reset", `GET /auth/password-reset/{token}: purpose ${link.data?.purpose}`);
  step("POST /auth/password-reset", `a link for ${link.data?.email}, until ${link.data?.expires_at}`);
  const newPassword = `viewer-${crypto.randomUUID()}`;
  const chosen = await publicClient.POST("/auth/password-reset/{token}", {
    params: { path: { token } },
    body: { password: newPassword },
  });
  expectStatus("POST /auth/password-reset/{token}", chosen.response, 204, chosen.error);
  const login = await publicClient.POST("/auth/token", {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: { grant_type: "password", username: viewer, password: newPassword },
  });
  expectStatus("POST /auth/token (new password)", login.response, 200, login.error);
  const spent = await publicClient.GET("/auth/password-reset/{token}", { params: { path: { token } } });
  expectStatus("GET /auth/password-reset/{token} (used)", spent.response, 410, spent.error);
  step("POST /auth/password-reset/{token}", "a new password; the viewer logs in with it");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type BulkOrder = paths["/bulk-orders/{id}"]["get"]["responses"][200]["content"]["application/json"];
// The upload answers a dry run with 200 and a job with 202: the status tells which body.
type DryRun = paths["/bulk-orders"]["post"]["responses"][200]["content"]["application/json"];
type StartedJob = paths["/bulk-orders"]["post"]["responses"][202]["content"]["application/json"];

// A CSV body goes on the wire as the text it is (openapi-fetch would send JSON).
const asCsv = {
  headers: { "Content-Type": "text/csv" },
  bodySerializer: (body: unknown) => body as string,
};

async function bulkOnboarding(api: Client, plan: string, mobilePackage: string): Promise<void> {
  // 12. Two employees from a spreadsheet, saved as Danish spreadsheets save CSV:
  // semicolons, a byte order mark, CRLF. No number columns: the server picks new ones.
  const [anna, bo] = [freshInitials(), freshInitials()];
  const header = "plan;mobile_package;data_sharing_cards;name;initials;title;email;cost_center";
  const line = (planCode: string, name: string, initials: string) =>
    `${planCode};${mobilePackage};0;${name};${initials};Konsulent;${initials.toLowerCase()}@nordlys.example;4200`;
  const file = (secondPlan: string) =>
    `\uFEFF${header}\r\n${line(plan, "Anna Holm", anna)}\r\n${line(secondPlan, "Bo Lund", bo)}\r\n`;

  // A dry run checks every row and writes nothing: the second row names a plan that is not
  // in the catalog.
  const dry = await api.POST("/bulk-orders", {
    params: { query: { dry_run: true } },
    body: file("ERHVERV_XXL"),
    ...asCsv,
  });
  expectStatus("POST /bulk-orders?dry_run=true", dry.response, 200, dry.error);
  const checked = dry.data as DryRun | undefined;
  expect(checked?.rows === 2 && checked.valid === 1, `dry run: rows ${checked?.rows}, valid ${checked?.valid}; expected 2 and 1`);
  const problem = checked?.problems[0];
  expect(
    checked?.problems.length === 1 &&
      problem?.row === 2 &&
      problem.column === "plan" &&
      problem.pointer === "/plan" &&
      problem.code === "unknown_plan",
    `dry run: problems ${JSON.stringify(checked?.problems)}, expected row 2's plan unknown_plan`,
  );
  step("POST /bulk-orders?dry_run=true", `2 rows, 1 valid; row ${problem?.row} ${problem?.column}: ${problem?.code}`);

  // The fixed file as a job: an Idempotency-Key makes a retry safe (a job without one is 428).
  const keyless = await api.POST("/bulk-orders", { body: file(plan), ...asCsv });
  expectStatus("POST /bulk-orders (no key)", keyless.response, 428, keyless.error);
  expect(problemOf(keyless.error).code === "idempotency_key_required", `POST /bulk-orders (no key): code ${problemOf(keyless.error).code}`);
  const started = await api.POST("/bulk-orders", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: file(plan),
    ...asCsv,
  });
  expectStatus("POST /bulk-orders", started.response, 202, started.error);
  const job = started.data as StartedJob | undefined;
  if (!job) return;
  expect(job.total === 2 && job.format === "csv", `POST /bulk-orders: total ${job.total}, format ${job.format}`);
  const location = started.response.headers.get("Location") ?? "";
  expect(location.endsWith(`/bulk-orders/${job.id}`), `POST /bulk-orders: Location ${location} does not name the job`);
  step("POST /bulk-orders", `job ${job.id} ${job.status}`);

  // Drafted: every row a draft with a reserved number, the whole priced.
  const { job: drafted, etag } = await bulkOrderReaches(api, job.id, "drafted");
  expect(drafted.drafted === 2 && drafted.confirmed === 0, `GET /bulk-orders/{id}: drafted ${drafted.drafted}, confirmed ${drafted.confirmed}`);
  const total = drafted.summary;
  expect(total?.orders === 2, `GET /bulk-orders/{id}: summary covers ${total?.orders} orders, expected 2`);
  expect(
    !!total && total.monthly_ex_vat_ore > 0 && total.monthly_incl_vat_ore === total.monthly_ex_vat_ore + total.monthly_vat_ore,
    `GET /bulk-orders/{id}: summary ${JSON.stringify(total)}: monthly incl VAT is not ex VAT + VAT`,
  );
  expect(!!drafted.expires_at, "GET /bulk-orders/{id}: drafted without expires_at");
  expect(etag === `"${drafted.version}"`, `GET /bulk-orders/{id}: ETag ${etag}, expected "${drafted.version}"`);
  step("GET /bulk-orders/{id}", `drafted, ${total?.monthly_incl_vat_ore} øre a month incl. VAT; until ${drafted.expires_at}`);

  // The rows, and the file back as a spreadsheet opens it: each row's order and status.
  const rows = await api.GET("/bulk-orders/{id}/rows", { params: { path: { id: job.id } } });
  expectStatus("GET /bulk-orders/{id}/rows", rows.response, 200, rows.error);
  const items = rows.data?.items ?? [];
  expect(
    items.length === 2 && items.every((r) => r.status === "drafted" && !!r.order_id),
    `GET /bulk-orders/{id}/rows: ${JSON.stringify(items)}`,
  );
  const sheet = await api.GET("/bulk-orders/{id}/rows", {
    params: { path: { id: job.id } },
    headers: { Accept: "text/csv" },
    parseAs: "text",
  });
  expectStatus("GET /bulk-orders/{id}/rows (CSV)", sheet.response, 200, sheet.error);
  const lines = (sheet.data ?? "").trim().split(/\r?\n/);
  expect(lines[0] === `${header};order_id;status;error`, `GET /bulk-orders/{id}/rows (CSV): header ${lines[0]}`);
  expect(
    lines.length === 3 && lines.slice(1).every((l, i) => l.includes(`;${items[i].order_id};drafted;`)),
    `GET /bulk-orders/{id}/rows (CSV): ${JSON.stringify(lines)}`,
  );
  step("GET /bulk-orders/{id}/rows", "2 drafts; as CSV with order_id;status;error");

  // Confirm exactly what was reviewed: every draft becomes a subscription.
  const confirming = await api.POST("/bulk-orders/{id}/confirm", {
    params: { path: { id: job.id }, header: { "If-Match": etag, "Idempotency-Key": crypto.randomUUID() } },
  });
  expectStatus("POST /bulk-orders/{id}/confirm", confirming.response, 202, confirming.error);
  const { job: completed } = await bulkOrderReaches(api, job.id, "completed");
  expect(
    completed.confirmed === completed.total && completed.failed === 0,
    `GET /bulk-orders/{id}: confirmed ${completed.confirmed} of ${completed.total}, failed ${completed.failed}`,
  );
  const done = await api.GET("/bulk-orders/{id}/rows", { params: { path: { id: job.id } } });
  expectStatus("GET /bulk-orders/{id}/rows", done.response, 200, done.error);
  const subscriptionId = done.data?.items[0]?.subscription_id;
  expect(!!subscriptionId, "GET /bulk-orders/{id}/rows: a confirmed row without subscription_id");
  const sub = await api.GET("/subscriptions/{id}", { params: { path: { id: subscriptionId ?? "" } } });
  expectStatus("GET /subscriptions/{id} (bulk)", sub.response, 200, sub.error);
  expect(sub.data?.status === "active" && sub.data.employee.initials === anna, `GET /subscriptions/{id} (bulk): ${sub.data?.status} ${sub.data?.employee.initials}`);
  step("POST /bulk-orders/{id}/confirm", `completed: ${completed.confirmed} of ${completed.total} confirmed; ${anna} active on ${sub.data?.number}`);
}

// The bulk order once it reaches `status` (polled for up to 30 s), with its ETag; another
// state it cannot leave fails the journey with its problems.
async function bulkOrderReaches(api: Client, id: string, status: string): Promise<{ job: BulkOrder; etag: string }> {
  const ended = ["drafted", "invalid", "failed", "completed", "cancelled", "expired", "awaiting_approval"];
  for (let attempt = 0; attempt < 300; attempt++) {
    const read = await api.GET("/bulk-orders/{id}", { params: { path: { id } } });
    expectStatus("GET /bulk-orders/{id}", read.response, 200, read.error);
    const job = read.data as BulkOrder;
    if (job.status === status) return { job, etag: read.response.headers.get("ETag") ?? "" };
    expect(!ended.includes(job.status), `GET /bulk-orders/{id}: ${job.status}, expected ${status}; problems ${JSON.stringify(job.problems)}`);
    await sleep(100);
  }
  throw new Mismatch(`GET /bulk-orders/{id}: not ${status} within 30 s`);
}

// The signing link's token from the newest email to `owner` in the mailbox folder.
async function signingToken(owner: string): Promise<string> {
  const mailbox = process.env.MAILBOX_DIR;
  expect(!!mailbox, "port-in: set MAILBOX_DIR to the server's mailbox folder");
  for (let attempt = 0; attempt < 100; attempt++) {
    const tokens = readdirSync(mailbox ?? "")
      .filter((name) => name.endsWith(".eml"))
      .map((name) => readFileSync(join(mailbox ?? "", name), "utf8").replace(/=\r?\n/g, ""))
      .filter((text) => text.includes(`To: ${owner}`))
      .map((text) => /\/poa\/([A-Za-z0-9_-]{43})/.exec(text)?.[1])
      .filter((token): token is string => !!token);
    if (tokens.length > 0) return tokens[tokens.length - 1];
    await sleep(100);
  }
  throw new Mismatch(`port-in: no power of attorney to ${owner} in ${mailbox}`);
}

type Client = ReturnType<typeof createClient<paths, "application/json">>;

async function portIn(publicClient: Client, api: Client, plan: string, mobilePackage: string): Promise<void> {
  // 8. A port-in order: the employee keeps a number from another operator.
  const initials = freshInitials();
  const owner = `${initials.toLowerCase()}@privat.example`;
  // 26xxxxxx: a mobile range none of the demo pools use.
  const ported = `+4526${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
  const created = await api.POST("/orders", {
    body: {
      plan,
      mobile_package: mobilePackage,
      employee: { name: "Jens Hansen", initials, title: "Sælger", email: `${initials.toLowerCase()}@nordlys.example` },
      number: { type: "port_in", number: ported, owner_email: owner, owner_name: "Jens Hansen" },
    },
  });
  expectStatus("POST /orders (port-in)", created.response, 201, created.error);
  const draft = created.data;
  if (!draft) return;
  expect(
    draft.notices.some((n) => n.code === "binding_period_may_apply"),
    "POST /orders (port-in): no binding_period_may_apply notice",
  );
  const confirmed = await api.POST("/orders/{id}/confirm", { params: { path: { id: draft.id } } });
  expectStatus("POST /orders/{id}/confirm (port-in)", confirmed.response, 201, confirmed.error);
  const portConfirmation = confirmed.data as Confirmation | undefined;
  const port = portConfirmation?.number_port;
  expect(!!port && port.status === "awaiting_signature", `confirm (port-in): port ${port?.status}`);
  expect(portConfirmation?.subscription.status === "pending_port", "confirm (port-in): subscription not pending_port");
  if (!port) return;
  step("POST /orders/{id}/confirm", `port ${port.id} ${port.status}`);

  // 9. The owner opens the emailed link and signs (public: no token).
  const token = await signingToken(owner);
  const opened = await publicClient.GET("/poa/{token}", { params: { path: { token } } });
  expectStatus("GET /poa/{token}", opened.response, 200, opened.error);
  const poa = opened.data;
  if (!poa) return;
  expect(poa.number === ported, `GET /poa/{token}: number ${poa.number}, expected ${ported}`);
  expect(/^[0-9a-f]{64}$/.test(poa.document_sha256), "GET /poa/{token}: no document hash");
  step("GET /poa/{token}", `${poa.company_name} takes ${poa.number}; earliest ${poa.earliest_port_date}`);
  const signed = await publicClient.POST("/poa/{token}/sign", {
    params: { path: { token } },
    body: { signer_name: "Jens Hansen", consent: true },
  });
  expectStatus("POST /poa/{token}/sign", signed.response, 200, signed.error);
  expect(signed.data?.status === "submitted", `sign: status ${signed.data?.status}, expected submitted`);
  expect(signed.data?.document_sha256 === poa.document_sha256, "sign: another document was signed");
  const again = await publicClient.GET("/poa/{token}", { params: { path: { token } } });
  expectStatus("GET /poa/{token} (used)", again.response, 410, again.error);
  step("POST /poa/{token}/sign", "submitted to the donor; the link is spent");

  // 10. The demo company is a sandbox: its business time stands still, so the donor
  // answers only when the test clock moves. An hour on is past the simulated donor's
  // answer (2 s after the submission) and short of any 02:00 move.
  const submitted = await readPort(api, port.id, "submitted");
  expect(!!submitted.deadline, "GET /number-ports/{id}: submitted without a deadline");
  expect(submitted.delayed_working_days === 0, `GET /number-ports/{id}: ${submitted.delayed_working_days} late days at submission`);
  const before = await readyClock(api);
  const inAnHour = new Date(Date.parse(before.frozen_time) + 3600_000).toISOString();
  const hour = await advanceClock(api, inAnHour);
  // A second advance while this one runs is refused (409), or, once the worker is done,
  // is backwards (422); either way the clock stays where the first one takes it.
  const meanwhile = await api.POST("/test-clock/advance", { body: { frozen_time: before.frozen_time } });
  expect(
    (meanwhile.response.status === 409 && problemOf(meanwhile.error).code === "clock_advancing") ||
      (meanwhile.response.status === 422 && problemOf(meanwhile.error).errors?.[0]?.code === "clock_backwards"),
    `POST /test-clock/advance (again): ${meanwhile.response.status} ${JSON.stringify(meanwhile.error)}, expected 409 clock_advancing or 422 clock_backwards`,
  );
  step("POST /test-clock/advance", `${before.frozen_time} -> ${hour.advancing_to} (a second one: ${meanwhile.response.status} ${problemOf(meanwhile.error).code})`);
  const afterHour = await readyClock(api);
  expect(Date.parse(afterHour.frozen_time) === Date.parse(inAnHour), `GET /test-clock: frozen_time ${afterHour.frozen_time}, expected ${inAnHour}`);
  step("GET /test-clock", `ready at ${afterHour.frozen_time}`);

  // Only forward, and at most 365 days at a time.
  const backwards = await api.POST("/test-clock/advance", { body: { frozen_time: before.frozen_time } });
  expectStatus("POST /test-clock/advance (backwards)", backwards.response, 422, backwards.error);
  expect(problemOf(backwards.error).code === "validation_failed", `POST /test-clock/advance (backwards): code ${problemOf(backwards.error).code}`);
  expect(
    problemOf(backwards.error).errors?.[0]?.pointer === "/frozen_time" && problemOf(backwards.error).errors?.[0]?.code === "clock_backwards",
    `POST /test-clock/advance (backwards): errors ${JSON.stringify(problemOf(backwards.error).errors)}`,
  );
  const yearOn = new Date(Date.parse(afterHour.frozen_time) + 366 * 86400_000).toISOString();
  const tooFar = await api.POST("/test-clock/advance", { body: { frozen_time: yearOn } });
  expectStatus("POST /test-clock/advance (too far)", tooFar.response, 422, tooFar.error);
  expect(
    problemOf(tooFar.error).errors?.[0]?.pointer === "/frozen_time" && problemOf(tooFar.error).errors?.[0]?.code === "advance_too_far",
    `POST /test-clock/advance (too far): errors ${JSON.stringify(problemOf(tooFar.error).errors)}`,
  );
  step("POST /test-clock/advance", "backwards: 422 clock_backwards; 366 days on: 422 advance_too_far");

  const accepted = await readPort(api, port.id, "accepted");
  expect(!!accepted.port_date, "GET /number-ports/{id}: accepted without a port date");
  expect(accepted.signature?.signer_name === "Jens Hansen", "GET /number-ports/{id}: no signature");
  const portDate = accepted.port_date ?? "";
  step("GET /number-ports/{id}", `accepted, the number moves on ${portDate} at 02:00; deadline ${accepted.deadline}`);

  // 11. On to the port date, past 02:00 in Denmark (01:00 UTC in winter, 00:00 UTC in
  // summer): the number moves, and a partner hears of it.
  const partner = await startReceiver();
  const endpoint = await api.POST("/webhook-endpoints", {
    body: { url: partner.url, events: ["number_port.completed"], description: "Journey port receiver" },
  });
  expectStatus("POST /webhook-endpoints", endpoint.response, 201, endpoint.error);
  const moveAt = `${portDate}T03:00:00Z`;
  await advanceClock(api, moveAt);
  const moved = await readyClock(api);
  expect(Date.parse(moved.frozen_time) === Date.parse(moveAt), `GET /test-clock: frozen_time ${moved.frozen_time}, expected ${moveAt}`);
  step("POST /test-clock/advance", `to ${moveAt}; ready`);
  const completed = await readPort(api, port.id, "completed");
  expect(completed.delayed_working_days === 0, `GET /number-ports/{id}: ${completed.delayed_working_days} late days`);
  expect(completed.compensation_ore === 0, `GET /number-ports/{id}: compensation ${completed.compensation_ore} øre`);
  const subscription = await api.GET("/subscriptions/{id}", { params: { path: { id: completed.subscription_id } } });
  expectStatus("GET /subscriptions/{id} (ported)", subscription.response, 200, subscription.error);
  expect(subscription.data?.status === "active", `GET /subscriptions/{id} (ported): status ${subscription.data?.status}`);
  expect(subscription.data?.number === ported, `GET /subscriptions/{id} (ported): number ${subscription.data?.number}`);
  step("GET /number-ports/{id}", `completed; the subscription is active with ${ported}`);

  const delivery = await partner.next();
  partner.close();
  const headers: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    headers[name] = String(delivery.headers[name] ?? "");
  }
  const event = new Webhook(endpoint.data?.secret ?? "").verify(delivery.body, headers) as {
    type: string;
    created_at: string;
    sandbox?: boolean;
    data: { id: string; status: string };
  };
  expect(event.type === "number_port.completed", `webhook: type ${event.type}`);
  expect(event.data.id === port.id && event.data.status === "completed", "webhook: another port, or not completed");
  expect(event.sandbox === true, "webhook: a sandbox company's event without sandbox: true");
  expect(event.created_at.startsWith(portDate), `webhook: created_at ${event.created_at}, not the clock's port date`);
  step("webhook number_port.completed", `verified, stamped ${event.created_at} by the test clock`);
}

type Port = paths["/number-ports/{id}"]["get"]["responses"][200]["content"]["application/json"];

async function readPort(api: Client, id: string, status: string): Promise<Port> {
  const read = await api.GET("/number-ports/{id}", { params: { path: { id } } });
  expectStatus("GET /number-ports/{id}", read.response, 200, read.error);
  const port = read.data;
  expect(port?.status === status, `GET /number-ports/{id}: status ${port?.status}, expected ${status}`);
  return port as Port;
}

type Clock = paths["/test-clock"]["get"]["responses"][200]["content"]["application/json"];

// Moves the demo company's test clock to `to`: 202 with the clock advancing.
async function advanceClock(api: Client, to: string): Promise<Clock> {
  const advanced = await api.POST("/test-clock/advance", { body: { frozen_time: to } });
  expectStatus("POST /test-clock/advance", advanced.response, 202, advanced.error);
  const clock = advanced.data as Clock;
  expect(clock.status === "advancing", `POST /test-clock/advance: status ${clock.status}, expected advancing`);
  expect(Date.parse(clock.advancing_to ?? "") === Date.parse(to), `POST /test-clock/advance: advancing_to ${clock.advancing_to}, expected ${to}`);
  return clock;
}

// The test clock once no advance is on its way (polled for up to 30 s).
async function readyClock(api: Client): Promise<Clock> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const read = await api.GET("/test-clock");
    expectStatus("GET /test-clock", read.response, 200, read.error);
    const clock = read.data as Clock;
    expect(clock.status !== "internal_failure", "GET /test-clock: internal_failure");
    if (clock.status === "ready") {
      expect(clock.advancing_to === null || clock.advancing_to === undefined, "GET /test-clock: ready, but advancing_to is set");
      return clock;
    }
    await sleep(100);
  }
  throw new Mismatch("GET /test-clock: not ready within 30 s");
}

main().then(
  () => console.log("journey: ok"),
  (err: unknown) => {
    console.error(`journey: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
