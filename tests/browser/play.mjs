// Opens a page in Debian's Chromium through playwright-core (no browser download) and prints, as one JSON line,
// what the page published in `window.playback`, plus the browser console. Usage: node play.mjs <url> <timeout ms>
import { chromium } from "playwright-core";

const [url, timeout = "60000"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
  // No network beyond 127.0.0.1 here: Chromium's background services would only fail and retry.
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
});
const console_ = [];
try {
  const page = await browser.newPage();
  page.on("console", (message) => console_.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => console_.push(`pageerror: ${error}`));
  page.on("requestfailed", (request) => console_.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
  await page.goto(url);
  const outcome = await page.waitForFunction(() => window.playback, null, { timeout: Number(timeout) });
  console.log(JSON.stringify({ ...(await outcome.jsonValue()), console: console_ }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error), console: console_ }));
} finally {
  await browser.close();
}
