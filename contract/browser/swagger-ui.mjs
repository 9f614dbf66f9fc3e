// Swagger UI in a real browser, as a person exploring the API uses it: open
// BASE_URL/swagger-ui/, log in with the OAuth2 password flow (the demo admin), expand
// GET /subscriptions, "Try it out", "Execute", and wait for the live answer: HTTP 200.
//
//     BASE_URL=http://127.0.0.1:8080 node contract/browser/swagger-ui.mjs
//
// Uses Debian's Chromium (CHROMIUM, default /usr/bin/chromium); playwright-core downloads
// no browser. Saves a screenshot to SCREENSHOT (default target/contract/swagger-ui.png)
// whether it passes or not, and exits 1 on failure.

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.BASE_URL ?? "").replace(/\/+$/, "");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = resolve(process.env.SCREENSHOT ?? resolve(here, "../../target/contract/swagger-ui.png"));
const username = process.env.DEMO_ADMIN_USERNAME ?? "admin@nordlys.example";
const password = process.env.DEMO_ADMIN_PASSWORD ?? "demo-admin-password";
const timeout = 30_000;

if (!baseUrl) {
  console.error("swagger-ui: set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080");
  process.exit(2);
}

function log(message) {
  console.log(`  ok  ${message}`);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // CI runs as root, where Chromium's sandbox cannot start.
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
page.setDefaultTimeout(timeout);
const consoleErrors = [];
page.on("console", (msg) => {
  if (msg.type() === "error") consoleErrors.push(msg.text());
});

let failure = null;
try {
  await page.goto(`${baseUrl}/swagger-ui/`);
  await page.locator(".swagger-ui .info .title").waitFor();
  log(`opened ${baseUrl}/swagger-ui/: ${(await page.locator(".swagger-ui .info .title").innerText()).split("\n")[0]}`);

  // Authorize: the OAuth2 password flow, client id and secret left empty.
  await page.locator(".scheme-container button.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.waitFor();
  const oauth = dialog.locator(".auth-container").filter({ hasText: "OAuth2, password" });
  await oauth.locator("#oauth_username").fill(username);
  await oauth.locator("#oauth_password").fill(password);
  await oauth.locator("button.authorize").click();
  // Swagger UI fetched the token when it offers "Logout" for the scheme; a refused
  // login shows an error under the form instead.
  const loggedIn = oauth.locator("button", { hasText: "Logout" });
  const refused = oauth.locator(".errors");
  await loggedIn.or(refused).first().waitFor();
  if (await refused.count()) {
    throw new Error(`the OAuth2 login failed: ${(await refused.innerText()).trim()}`);
  }
  log(`authorized as ${username} (OAuth2 password flow)`);
  await oauth.locator("button.btn-done").click();
  await dialog.waitFor({ state: "detached" });

  // GET /subscriptions: expand, try it out, execute.
  const operation = page.locator(".opblock.opblock-get").filter({
    has: page.locator('.opblock-summary-path[data-path="/subscriptions"]'),
  });
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();
  await operation.locator("button.execute").click();

  // The live answer (not the documented responses table under it).
  const live = operation.locator(".live-responses-table .response");
  await live.first().waitFor();
  const status = (await live.first().locator(".response-col_status").innerText()).trim();
  const body = await operation.locator(".live-responses-table .response-col_description pre").first().innerText();
  await operation.locator(".live-responses-table").scrollIntoViewIfNeeded();
  if (status !== "200") {
    throw new Error(`GET /subscriptions answered ${status} in Swagger UI: ${body.slice(0, 300)}`);
  }
  const parsed = JSON.parse(body);
  if (!Array.isArray(parsed.items)) {
    throw new Error(`GET /subscriptions answered 200 without items: ${body.slice(0, 300)}`);
  }
  const curl = await operation.locator(".curl-command").first().innerText();
  if (!/Authorization: Bearer /.test(curl)) {
    throw new Error(`Swagger UI sent no bearer token: ${curl}`);
  }
  log(`GET /subscriptions executed in Swagger UI: live response ${status}, ${parsed.items.length} subscriptions`);
} catch (err) {
  failure = err;
} finally {
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: false }).catch(() => {});
  await browser.close();
}

console.log(`  screenshot: ${screenshot}`);
if (failure) {
  console.error(`swagger-ui: FAILED: ${failure.message ?? failure}`);
  if (consoleErrors.length) console.error(`browser console errors:\n  ${consoleErrors.join("\n  ")}`);
  process.exit(1);
}
console.log("swagger-ui: ok");
