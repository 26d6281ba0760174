// Opens a built handoff site from file:// in headless Chromium (playwright-core, the system browser) with
// every non-file request blocked and recorded, and reports what a reader would see, as JSON on stdout.
// usage: node browser.js SITE_DIR SCREENSHOT_DIR PAGE...
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'node', 'node_modules', 'playwright-core'));

const [siteDir, shotDir, ...pages] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const external = [];
  const failed = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('about:')) {
      return route.continue();
    }
    external.push(url);
    return route.abort();
  });
  context.on('requestfailed', (r) => { if (r.url().startsWith('file:')) failed.push(r.url()); });
  const out = { pages: {}, external, failed_local: failed, errors: [] };
  const page = await context.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));

  for (const rel of pages) {
    await page.goto('file://' + path.join(siteDir, rel), { waitUntil: 'load' });
    const h1 = await page.locator('article h1').first().textContent().catch(() => '');
    const text = await page.locator('article').first().innerText().catch(() => '');
    out.pages[rel] = { title: await page.title(), h1: (h1 || '').trim(), text };
    await page.screenshot({ path: path.join(shotDir, rel.replace(/[\/]/g, '_') + '.png'), fullPage: true });
  }

  // Search, offline: the index is inlined as a script and the worker runs through the iframe-worker shim.
  await page.goto('file://' + path.join(siteDir, 'index.html'), { waitUntil: 'load' });
  const input = page.locator('input.md-search__input');
  await input.focus();
  await input.pressSequentially('rollback', { delay: 30 });  // typed like a reader, key events included
  await page.locator('.md-search-result__item').first().waitFor({ timeout: 15000 }).catch(() => {});
  out.search = {
    meta: ((await page.locator('.md-search-result__meta').textContent().catch(() => '')) || '').trim(),
    links: await page.locator('.md-search-result__item a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
  };
  await page.screenshot({ path: path.join(shotDir, 'search-rollback.png') });

  // The Sign-off page's fields, per role section.
  await page.goto('file://' + path.join(siteDir, 'signoff.html'), { waitUntil: 'load' });
  out.signoff = await page.evaluate(() => {
    const roles = {};
    for (const h2 of document.querySelectorAll('article h2[id^="role-"]')) {
      let el = h2.nextElementSibling;
      while (el && !el.querySelector('table') && el.tagName !== 'TABLE') el = el.nextElementSibling;
      const table = el && (el.tagName === 'TABLE' ? el : el.querySelector('table'));
      const fields = {};
      for (const tr of (table ? table.querySelectorAll('tbody tr') : [])) {
        const [k, v] = tr.querySelectorAll('td');
        fields[k.textContent.trim()] = v.textContent.trim();
      }
      roles[h2.id.slice(5)] = fields;
    }
    return roles;
  });
  await browser.close();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
