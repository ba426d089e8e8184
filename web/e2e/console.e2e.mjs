// End-to-end test of the web console in a real Chromium, driven by
// playwright-core (which downloads no browser: Debian's chromium is used).
// cmd/slipway/console_e2e_test.go starts a `slipway dev` stack and runs this
// script against it; it can also be run by hand against any stack:
//
//   SLIPWAY_CONSOLE_URL=http://127.0.0.1:8080 node web/e2e/console.e2e.mjs
//
// The script talks to its runner on stdout and stdin: it prints
// "READY <step>" and waits for a line back before going on (the Go test
// changes the user's tier there). Without a runner (stdin a TTY or closed)
// it goes on at once. Screenshots go to SLIPWAY_E2E_ARTIFACTS, one
// "ARTIFACT <path>" line each. Exit status 0 means every check passed.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const base = (process.env.SLIPWAY_CONSOLE_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = resolve(process.env.SLIPWAY_E2E_ARTIFACTS ?? join(import.meta.dirname, "artifacts"));
const owner = process.env.SLIPWAY_E2E_OWNER ?? "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const email = process.env.SLIPWAY_E2E_EMAIL ?? `console-${Date.now()}@example.com`;
const password = "correct horse battery staple";
const confirmTimeout = Number(process.env.SLIPWAY_E2E_CONFIRM_TIMEOUT_MS ?? 180_000);
mkdirSync(artifacts, { recursive: true });

const lines = createInterface({ input: process.stdin });
const pending = [];
lines.on("line", (l) => pending.shift()?.(l));
let stdinClosed = false;
lines.on("close", () => {
  stdinClosed = true;
  while (pending.length) pending.shift()("");
});
/** handshake tells the runner a step is reached and waits for its answer. */
function handshake(step) {
  console.log(`READY ${step}`);
  if (process.stdin.isTTY || stdinClosed) return Promise.resolve("");
  return new Promise((r) => pending.push(r));
}

let shot = 0;
async function screenshot(page, name) {
  const file = join(artifacts, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`ARTIFACT ${file}`);
}

function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
  console.log(`ok: ${msg}`);
}

const profile = mkdtempSync(join(tmpdir(), "slipway-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync", "--disable-dev-shm-usage"],
  viewport: { width: 1280, height: 900 },
  locale: "en-US",
});
context.setDefaultTimeout(30_000);
const page = context.pages()[0] ?? (await context.newPage());

// Any script error or CSP violation fails the run; refused requests that a
// step provokes on purpose (429 while hitting the rate limit) are expected.
const problems = [];
let expectRefusals = false;
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (m.type() !== "error") return;
  const t = m.text();
  if (/Failed to load resource: the server responded with a status of (429|401)/.test(t) && expectRefusals) return;
  problems.push(`console error: ${t}`);
});

try {
  // ---- sign up (and be signed in straight after)
  const res = await page.goto(`${base}/`);
  check(res.status() === 200, "GET / answers 200");
  const csp = res.headers()["content-security-policy"] ?? "";
  // (SLIPWAY_E2E_NO_CSP: against `vite preview`, which sends no CSP.)
  if (!process.env.SLIPWAY_E2E_NO_CSP) check(csp.includes("script-src 'self'") && csp.includes("connect-src 'self'"), `the console's CSP is served (${csp})`);
  await page.waitForURL(/\/login$/);
  check((await page.title()).startsWith("Log in"), "signed out, / leads to the login page");

  // Keyboard: the form is ready to type into, the skip link comes first in
  // the tab order, and Tab moves through the form in reading order.
  check((await page.evaluate(() => document.activeElement?.getAttribute("name"))) === "email", "the email field has focus");
  check((await page.evaluate(() => document.querySelector("a[href],button,input,select,textarea")?.textContent)) === "Skip to content", "the skip link is the first tab stop");
  await page.keyboard.press("Tab");
  check((await page.evaluate(() => document.activeElement?.getAttribute("name"))) === "password", "Tab goes from email to password");
  await screenshot(page, "login");

  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL(/\/signup$/);
  // Client-side checks come first: a short password is refused with a message.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  check(await page.getByText("Use at least 12 characters.").isVisible(), "a short password is refused with a message");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/contracts\/new$/);
  check(await page.getByText(email).isVisible(), "signed in after sign-up; the header shows the email");
  await handshake(`signed-up ${email}`);

  // ---- generate an ERC20, audit it, compile it
  await page.getByLabel("Contract name").fill("ConsoleToken");
  await page.getByLabel("Symbol").fill("CTK");
  await page.getByLabel("Premint").fill("1000000");
  await page.getByLabel("Mintable").check();
  await page.getByLabel("Access control").selectOption("ownable");
  await screenshot(page, "new-contract");
  await page.getByRole("button", { name: "Generate source" }).click();
  const source = page.getByRole("region", { name: "Contract source" });
  await source.getByText("contract ConsoleToken is ERC20").waitFor();
  check((await source.locator(".tok-keyword", { hasText: "contract" }).count()) > 0, "the source is highlighted");
  await page.getByRole("button", { name: "Audit", exact: true }).click();
  await page.locator(".audit-summary").waitFor();
  const summary = await page.locator(".audit-summary").textContent();
  check(/No findings|high|medium|low|info/.test(summary ?? ""), `audit summary shown: ${summary?.trim()}`);
  await screenshot(page, "source-audited");
  await page.getByRole("button", { name: "Compile" }).click();
  await page.locator("#bytecode-size").waitFor({ timeout: 120_000 });
  const size = await page.locator("#bytecode-size").textContent();
  check(/^[\d,]+ bytes$/.test(size ?? "") && Number(size.replace(/\D/g, "")) > 1000, `bytecode size shown: ${size}`);
  await page.getByText("ABI", { exact: true }).click();
  check(await page.locator("pre.code-block").getByText('"type": "constructor"').isVisible(), "the ABI is shown");

  // ---- deploy with the constructor form built from the ABI
  const argInputs = page.locator("fieldset.args input[data-abi-type=address]");
  const nArgs = await argInputs.count();
  check(nArgs === 2, `the constructor form has the ABI's two address parameters (${nArgs})`);
  check(await page.getByLabel("recipient (address)").isVisible(), "arguments are labelled with their ABI name and type");
  await page.getByLabel("recipient (address)").fill("0x1234");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  check(await page.getByText("recipient must be 0x followed by 40 hex digits").isVisible(), "a bad address is refused in the form");
  for (let i = 0; i < nArgs; i++) await argInputs.nth(i).fill(owner);
  check((await page.getByLabel("Network").inputValue()) === "dev", "network dev is offered");
  await screenshot(page, "deploy-form");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
  const depUrl = page.url();
  console.log(`deployment page ${depUrl}`);

  // ---- live timeline to CONFIRMED
  const badge = page.locator("#status-badge");
  const seen = [];
  const started = Date.now();
  for (;;) {
    const st = await badge.getAttribute("data-status");
    if (st && seen[seen.length - 1] !== st) {
      seen.push(st);
      console.log(`status ${st} after ${Date.now() - started} ms`);
      if (st === "DEPLOYING" || st === "CONFIRMING") await screenshot(page, `deployment-${st.toLowerCase()}`);
    }
    if (st === "CONFIRMED" || st === "FAILED" || st === "CANCELLED") break;
    if (Date.now() - started > confirmTimeout) throw new Error(`deployment not ended after ${confirmTimeout} ms; statuses ${seen}`);
    await page.waitForTimeout(100);
  }
  if (seen.at(-1) !== "CONFIRMED") {
    await screenshot(page, "deployment-ended-badly");
    throw new Error(`deployment ended ${seen.at(-1)}: ${await page.locator("#deployment-error").textContent().catch(() => "")}`);
  }
  await screenshot(page, "deployment-confirmed");
  const events = await page.locator(".events .event .badge").allTextContents();
  const order = ["Pending", "Generating", "Linting", "Compiling", "Deploying", "Confirming", "Confirmed"];
  const distinct = events.filter((e, i) => events[i - 1] !== e);
  check(JSON.stringify(distinct) === JSON.stringify(order), `the event log streamed every stage in order (${distinct})`);
  check((await page.locator(".stage-done").count()) === 7, "every stage of the timeline is done");
  const address = (await page.locator("#fact-address code").textContent()) ?? "";
  check(/^0x[0-9a-fA-F]{40}$/.test(address), `contract address shown: ${address}`);
  check(/^0x[0-9a-f]{64}$/.test((await page.locator("#fact-tx code").textContent()) ?? ""), "transaction hash shown");
  const gas = (await page.locator("#fact-gas").textContent()) ?? "";
  check(Number(gas.replace(/\D/g, "")) > 21000, `gas used shown: ${gas}`);
  check(/^\d+ of \d+$/.test((await page.locator("#fact-confirmations").textContent()) ?? ""), "confirmations shown as n of m");
  const temporal = await page.locator("#temporal-link").getAttribute("href");
  check(/\/namespaces\/default\/workflows\/deployment-[0-9a-f-]{36}$/.test(temporal ?? ""), `Temporal Web UI link: ${temporal}`);
  const uiBase = process.env.SLIPWAY_E2E_TEMPORAL_UI;
  if (uiBase) check(temporal.startsWith(uiBase), `the link goes to this stack's Temporal UI (${uiBase})`);

  // A reload keeps the page (the server answers index.html for app routes)
  // but not the session: tokens live in memory only.
  // (Checked last, since it signs out.)

  // ---- deployments list, filter, pagination controls
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Deployments" }).click();
  await page.waitForURL(/\/deployments$/);
  const row = page.locator("#deployments-table tbody tr", { hasText: "ConsoleToken" });
  await row.waitFor();
  check((await row.locator(".badge").textContent()) === "Confirmed", "the list shows the deployment as confirmed");
  await page.getByLabel("Status").selectOption("FAILED");
  await page.getByText("No deployments are failed.").waitFor();
  check(page.url().endsWith("/deployments?status=FAILED"), "the filter is kept in the address");
  await page.getByLabel("Status").selectOption("CONFIRMED");
  await row.waitFor();
  check(await page.getByRole("button", { name: "Older →" }).isDisabled(), "one page: no older page to go to");
  await screenshot(page, "deployments");

  // ---- API keys: the secret once, the list, revoke
  await page.getByRole("link", { name: "API keys" }).click();
  await page.getByLabel("Key name").fill("e2e");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.locator("#new-key-secret").textContent()) ?? "";
  check(/^slw_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/.test(secret), "the new key's secret is shown once");
  const keyRow = page.locator("table tbody tr", { hasText: "e2e" });
  await keyRow.waitFor();
  check(!((await page.locator("table").textContent()) ?? "").includes(secret), "the list never shows the secret");
  await screenshot(page, "api-keys");
  page.once("dialog", (d) => d.accept());
  await keyRow.getByRole("button", { name: "Revoke e2e" }).click();
  await page.getByText("Key “e2e” revoked.").waitFor();
  await page.getByText("No API keys yet.").waitFor();

  // ---- a narrow screen: one column, nothing wider than the viewport
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(depUrl).catch(() => {});
  // A reload forgets the in-memory tokens: the console asks to log in again
  // and comes back to the page afterwards.
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(depUrl);
  await page.locator("#status-badge[data-status=CONFIRMED]").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `no horizontal scrolling at 375 px (${overflow} px over)`);
  await screenshot(page, "deployment-narrow");
  await page.goto(`${base}/deployments`).catch(() => {});
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/deployments$/);
  await page.locator("#deployments-table").waitFor();
  const narrowOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(narrowOverflow <= 1, `the deployments list fits 375 px (${narrowOverflow} px over)`);
  await screenshot(page, "deployments-narrow");
  await page.setViewportSize({ width: 1280, height: 900 });
  const loggedInAt = Date.now();

  // ---- transparent refresh: once the access token is within 30 s of its
  // end (the runner starts the stack with 1-minute tokens), the next call
  // refreshes it first, and the person notices nothing.
  const refreshes = [];
  page.on("request", (r) => r.url().endsWith("/slipway.v1.AuthService/Refresh") && refreshes.push(r.url()));
  const ttl = Number(process.env.SLIPWAY_E2E_ACCESS_TTL_S ?? 0);
  if (ttl > 0) {
    await page.waitForTimeout(Math.max(0, loggedInAt + (ttl - 30 + 2) * 1000 - Date.now()));
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator("#deployments-table").waitFor();
    await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
    check(refreshes.length === 1, `the access token was refreshed once before the call (${refreshes.length})`);
    check(page.url().endsWith("/deployments") && (await page.locator('[role=alert][data-code]').count()) === 0, "still signed in, no error shown");
  }

  // ---- rate limit: a person-readable message with the retry time
  await handshake("rate-limit");
  expectRefusals = true;
  let limited = false;
  for (let i = 0; i < 40 && !limited; i++) {
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.waitForFunction(() => !document.getElementById("deployments-table")?.closest("[aria-busy=true]"), null, { timeout: 10_000 });
    limited = (await page.locator('[data-code="resource_exhausted"]').count()) > 0;
  }
  check(limited, "going over the free tier's limit is refused");
  const alert = page.locator('[data-code="resource_exhausted"]');
  const text = (await alert.textContent()) ?? "";
  check(/rate limit/i.test(text) && /Try again in \d+ (second|seconds|minute|minutes)\./.test(text), `the refusal says when to retry: "${text}"`);
  check(/10 requests a minute/.test(text), "the refusal names the plan's limit");
  check(await page.getByRole("button", { name: "Refresh" }).isDisabled(), "Refresh waits for the retry time");
  await screenshot(page, "rate-limited");
  expectRefusals = false;
  await handshake("rate-limit-done");

  // ---- logout
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(`${base}/keys`);
  await page.waitForURL(/\/login\?next=%2Fkeys$/);
  check(true, "after logout the console asks to log in again");

  if (problems.length) throw new Error(`the page reported problems:\n${problems.join("\n")}`);
  console.log("console e2e: all checks passed");
} catch (err) {
  await screenshot(page, "failure").catch(() => {});
  console.error(err?.stack ?? String(err));
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  lines.close();
}
