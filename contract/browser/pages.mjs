// The emailed links' pages in a real browser, as their receivers use them:
//   1. as the demo admin, a port-in order is confirmed; the owner's email is read from the
//      server's mailbox folder (MAILBOX_DIR, quoted-printable decoded), and its link opened
//      on a phone (360×740) and a desktop (1280×800); axe-core finds no violations; the
//      form is filled with the keyboard only (Tab, typing, Space, Enter); the receipt shows
//      the document's SHA-256; the link opened again is the 410 page;
//   2. as the operator, a new user of the demo company is invited; the invitation's link
//      opens the password page, a mismatch shows its error at the field, the password is
//      set with the keyboard, and it logs in (POST /auth/token).
//
//     BASE_URL=http://127.0.0.1:8080 MAILBOX_DIR=/tmp/…/mailbox node contract/browser/pages.mjs
//
// Uses Debian's Chromium (CHROMIUM, default /usr/bin/chromium). Screenshots go to
// SCREENSHOTS (default target/contract/) as pages-*.png; exits 1 on failure.

import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.BASE_URL ?? "").replace(/\/+$/, "");
const mailbox = process.env.MAILBOX_DIR ?? "";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = resolve(process.env.SCREENSHOTS ?? resolve(here, "../../target/contract"));
const admin = [process.env.DEMO_ADMIN_USERNAME ?? "admin@nordlys.example", process.env.DEMO_ADMIN_PASSWORD ?? "demo-admin-password"];
const operator = [process.env.OPERATOR_USERNAME ?? "operator@selvbetjening.example", process.env.OPERATOR_PASSWORD ?? "demo-operator-password"];
const timeout = 30_000;
const phone = { width: 360, height: 740 };
const desktop = { width: 1280, height: 800 };

if (!baseUrl || !mailbox) {
  console.error("pages: set BASE_URL and MAILBOX_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const log = (message) => console.log(`  ok  ${message}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function call(method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function login([username, password]) {
  const response = await fetch(`${baseUrl}/auth/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", username, password }),
  });
  return { status: response.status, body: await response.json() };
}

async function tokenOf(credentials) {
  const answer = await login(credentials);
  expect(answer.status === 200, `POST /auth/token as ${credentials[0]}: ${answer.status}`);
  return answer.body.access_token;
}

// Quoted-printable: soft line breaks (`=` at a line's end) and escapes such as `=3D`.
function decoded(text) {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/((?:=[0-9A-F]{2})+)/g, (run) => Buffer.from(run.replace(/=/g, ""), "hex").toString("utf8"));
}

// The newest link `path` + token emailed to `to` (waits up to 10 s).
async function mailedLink(to, path) {
  const pattern = new RegExp(`(https?://[^\\s"<>]+${path.replace(/[/]/g, "\\/")}[A-Za-z0-9_-]{43})`);
  for (let i = 0; i < 100; i++) {
    const found = readdirSync(mailbox)
      .filter((name) => name.endsWith(".eml"))
      .map((name) => join(mailbox, name))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
      .map((file) => decoded(readFileSync(file, "utf8")))
      .filter((text) => text.includes(`To: ${to}`))
      .map((text) => pattern.exec(text)?.[1])
      .filter(Boolean);
    if (found.length > 0) return found[found.length - 1];
    await sleep(100);
  }
  throw new Error(`no link ${path} to ${to} in ${mailbox}`);
}

async function noViolations(page, what) {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found.length === 0, `axe-core on ${what}:\n    ${found.join("\n    ")}`);
  log(`axe-core: no violations on ${what} (${result.passes.length} rules pass)`);
}

async function fitsWidth(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(scroll <= client, `${what}: wider than the window (${scroll} > ${client} px)`);
}

// Tab until the element with `id` has focus (keyboard only); fails after 40 presses.
async function tabTo(page, id) {
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached #${id}`);
}

async function tabToButton(page) {
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate(() => document.activeElement?.tagName)) === "BUTTON") return;
    await page.keyboard.press("Tab");
  }
  throw new Error("Tab never reached the form's button");
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `pages-${name}.png`), fullPage: true });
}

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const problems = [];
let failure = null;
try {
  const context = await browser.newContext({ viewport: phone, locale: "da-DK" });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  // A CSP refusal shows as a console error; the pages' own 410/422 statuses and the
  // browser's favicon probe do too, and are not problems.
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  let stylesheets = 0;
  page.on("response", (response) => {
    if (response.url().endsWith("/assets/pages.css")) {
      if (response.status() === 200) stylesheets += 1;
      else problems.push(`GET /assets/pages.css: ${response.status()}`);
    }
  });

  // 1. The power of attorney.
  const adminToken = await tokenOf(admin);
  const [plans, packages] = [await call("GET", "/catalog/plans", adminToken), await call("GET", "/catalog/mobile-packages", adminToken)];
  expect(plans.status === 200 && packages.status === 200, `catalog: ${plans.status} ${packages.status}`);
  const initials = `P${Math.random().toString(36).slice(2, 6).toUpperCase().replace(/[^A-Z]/g, "Q")}`;
  const owner = `${initials.toLowerCase()}@privat.example`;
  const number = `+4526${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
  const draft = await call("POST", "/orders", adminToken, {
    plan: plans.body.items[0].code,
    mobile_package: packages.body.items[0].code,
    employee: { name: "Jens Hansen", initials, title: "Sælger", email: `${initials.toLowerCase()}@nordlys.example` },
    number: { type: "port_in", number, owner_email: owner, owner_name: "Jens Hansen" },
  });
  expect(draft.status === 201, `POST /orders: ${draft.status} ${JSON.stringify(draft.body)}`);
  const confirmed = await call("POST", `/orders/${draft.body.id}/confirm`, adminToken);
  expect(confirmed.status === 201, `POST /orders/{id}/confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  log(`port-in of ${number} confirmed as ${admin[0]}`);
  const link = await mailedLink(owner, "/poa/");
  log(`the owner's email holds ${link.replace(/[^/]{43}$/, "<token>")}`);

  const opened = await page.goto(link);
  expect(opened.status() === 200, `GET the link: ${opened.status()}`);
  const headers = opened.headers();
  expect((headers["content-security-policy"] ?? "").includes("default-src 'none'"), `no CSP: ${JSON.stringify(headers)}`);
  expect(headers["referrer-policy"] === "no-referrer", "no Referrer-Policy: no-referrer");
  await page.getByRole("heading", { level: 1, name: "Fuldmagt til nummerflytning" }).waitFor();
  expect((await page.locator("main").innerText()).includes(number), "the page does not name the number");
  expect((await page.locator("html").getAttribute("lang")) === "da", "lang is not da");
  await fitsWidth(page, "the power of attorney at 360 px");
  await noViolations(page, "the power of attorney (360×740)");
  await shot(page, "poa-360");
  await page.setViewportSize(desktop);
  await noViolations(page, "the power of attorney (1280×800)");
  await shot(page, "poa-1280");
  await page.setViewportSize(phone);

  // Submitting without consent: the error at the box, announced.
  await tabTo(page, "signer_name");
  await page.keyboard.type("Jens Hansen");
  await tabToButton(page);
  await page.keyboard.press("Enter");
  await page.locator("#consent-fejl").waitFor();
  expect((await page.locator("#consent").getAttribute("aria-describedby")) === "consent-fejl", "the consent error is not tied to its box");
  expect((await page.locator('[role="alert"]').count()) > 0, "the errors are not announced");
  await noViolations(page, "the form with an error");
  await shot(page, "poa-error-360");
  log("without consent: the form again (422) with the error at the box");

  // Keyboard only: name (kept), Space on the box, Enter on the button.
  await page.keyboard.press("Tab");
  await tabTo(page, "consent");
  await page.keyboard.press("Space");
  expect(await page.locator("#consent").isChecked(), "Space did not tick the box");
  await tabToButton(page);
  await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
  await page.getByRole("heading", { level: 1, name: "Fuldmagten er underskrevet" }).waitFor();
  const receipt = await page.locator("main").innerText();
  expect(/[0-9a-f]{64}/.test(receipt), "the receipt shows no SHA-256");
  expect(receipt.includes(number), "the receipt does not name the number");
  await fitsWidth(page, "the receipt at 360 px");
  await noViolations(page, "the receipt");
  await shot(page, "receipt-360");
  log(`signed with the keyboard only; receipt with SHA-256 ${/[0-9a-f]{64}/.exec(receipt)[0].slice(0, 12)}…`);

  const again = await page.goto(link);
  expect(again.status() === 410, `the link again: ${again.status()}, expected 410`);
  await page.getByRole("heading", { level: 1, name: "Linket virker ikke længere" }).waitFor();
  await noViolations(page, "the dead link's page");
  await shot(page, "gone-360");
  log("the link again: 410, a page saying what to do");

  // 2. The password: an invited user chooses one.
  const operatorToken = await tokenOf(operator);
  const companies = await call("GET", "/operator/companies", operatorToken);
  expect(companies.status === 200, `GET /operator/companies: ${companies.status}`);
  const demo = companies.body.items.find((c) => c.email_domain === "nordlys.example") ?? companies.body.items[0];
  const invited = `ny-${initials.toLowerCase()}@nordlys.example`;
  const created = await call("POST", `/operator/companies/${demo.id}/users`, operatorToken, { email: invited, role: "viewer" });
  expect(created.status === 201, `POST /operator/companies/{id}/users: ${created.status} ${JSON.stringify(created.body)}`);
  log(`invited ${invited} as the operator`);
  const passwordLink = await mailedLink(invited, "/auth/password-reset/");
  const passwordPage = await page.goto(passwordLink);
  expect(passwordPage.status() === 200, `GET the password link: ${passwordPage.status()}`);
  await page.getByRole("heading", { level: 1 }).waitFor();
  await fitsWidth(page, "the password page at 360 px");
  await noViolations(page, "the password page");
  await shot(page, "password-360");

  const password = "et-langt-kodeord-fra-browseren";
  await tabTo(page, "password");
  await page.keyboard.type(password);
  await page.keyboard.press("Tab");
  await tabTo(page, "password_again");
  await page.keyboard.type("noget-helt-andet-her");
  await tabToButton(page);
  await page.keyboard.press("Enter");
  await page.locator("#password_again-fejl").waitFor();
  await noViolations(page, "the password page with an error");
  await shot(page, "password-error-360");
  log("two different passwords: the error at the second field");

  await tabTo(page, "password");
  await page.keyboard.type(password);
  await page.keyboard.press("Tab");
  await tabTo(page, "password_again");
  await page.keyboard.type(password);
  await tabToButton(page);
  await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
  await page.getByRole("heading", { level: 1, name: "Din adgangskode er gemt" }).waitFor();
  await noViolations(page, "the confirmation");
  await shot(page, "password-done-360");
  const loggedIn = await login([invited, password]);
  expect(loggedIn.status === 200, `POST /auth/token with the new password: ${loggedIn.status}`);
  log("the password chosen on the page logs in (POST /auth/token: 200)");

  expect(stylesheets > 0, "the stylesheet was never loaded");
  expect(problems.length === 0, `the browser refused or missed something: ${problems.join("; ")}`);
  log(`no CSP refusals; the stylesheet loaded ${stylesheets} times`);
} catch (err) {
  failure = err;
} finally {
  await browser.close();
}
if (failure) {
  console.error(`pages: FAILED: ${failure.message}`);
  process.exit(1);
}
console.log("pages: the emailed links' pages work in Chromium");
