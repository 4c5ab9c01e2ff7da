// Opens the dashboard of a running `clickstream run` in Debian's headless Chromium, waits until its
// charts and tables show data, and saves a screenshot.
//   node screenshot.mjs URL OUT.png [TIMEOUT_SECONDS]
// Exits 0 when the page showed data without a script error; otherwise prints why and exits 1.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, out, timeoutArg] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: node screenshot.mjs URL OUT.png [TIMEOUT_SECONDS]");
  process.exit(2);
}
const timeout = Number(timeoutArg || 60) * 1000;
const profile = mkdtempSync(join(tmpdir(), "clickstream-chromium-"));
// A fresh profile (--user-data-dir) each run: playwright takes it as the persistent context's directory.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1400, height: 1000 },
});
const errors = [];
let status = 1;
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.on("pageerror", e => errors.push(e.message));
  page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(url);
  // Data in both result charts, in the rolling charts (several polls), and in the session table.
  await page.waitForFunction(() => {
    const points = id => Number(document.getElementById(id).dataset.points);
    return points("views") > 0 && points("users") > 0 && points("rate") >= 4 && points("open-sessions") >= 4 &&
      document.querySelectorAll("#sessions .pill").length > 0 && document.querySelectorAll("#partitions td.n").length > 0 &&
      document.getElementById("settings").textContent.length > 0;
  }, null, { timeout, polling: 250 });
  const state = await page.evaluate(() => ({
    views: document.getElementById("views").dataset.points,
    users: document.getElementById("users").dataset.points,
    sessions: document.querySelectorAll("#sessions .pill").length,
    health: document.getElementById("health").textContent,
    settings: document.getElementById("settings").textContent,
    tiles: [...document.querySelectorAll(".tile")].map(t => t.innerText.replace(/\n/g, " ")).join(" | "),
  }));
  await page.screenshot({ path: out, fullPage: true });
  console.log(JSON.stringify(state));
  if (errors.length) {
    console.error("script errors on the page: " + errors.join("; "));
  } else {
    status = 0;
  }
} catch (e) {
  console.error(`dashboard did not show data: ${e.message}`);
  if (errors.length) console.error("script errors on the page: " + errors.join("; "));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
