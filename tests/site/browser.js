// Reads a built handoff site as its readers do, in the system Chromium (puppeteer-core, never a downloaded
// browser), from file:// with every other request blocked and recorded, and reports what they would meet,
// as JSON on stdout.
//
// usage: node browser.js SPEC.json
// SPEC: {site: DIR, shots: DIR, pages: [rel...], width: 1280, height: 900,
//        print: [rel...], narrow: [rel...], axe: [rel...], searches: [query...],
//        signoff: true|false, screenshots: [{page, selector|null, file}]}
const fs = require('fs');
const path = require('path');
const NODE = path.join(__dirname, '..', 'node', 'node_modules');
const puppeteer = require(path.join(NODE, 'puppeteer-core'));
const AXE = path.join(NODE, 'axe-core', 'axe.min.js');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const url = (rel) => 'file://' + path.join(spec.site, rel);
const local = (u) => /^(file|data|blob|about):/.test(u);

// Everything inside the page that is wider than its box: the page itself, and any element that scrolls
// sideways or clips (a table's scroll wrapper, a code block). Elements hidden from view are ignored.
function overflowProbe() {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) out.push({ what: 'page', scroll: doc.scrollWidth, box: window.innerWidth });
  for (const el of document.querySelectorAll('article *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('details:not([open])')) continue;
    if (!['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push({ what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''),
                 scroll: el.scrollWidth, box: el.clientWidth, text: el.innerText.slice(0, 80) });
    }
  }
  // A cell whose right edge is beyond the article (a column off-screen without a scroll box).
  const article = document.querySelector('article');
  if (article) {
    const right = article.getBoundingClientRect().right;
    for (const cell of article.querySelectorAll('td, th')) {
      const r = cell.getBoundingClientRect();
      if (r.width && r.right > right + 1) { out.push({ what: 'cell beyond the article', text: cell.innerText.slice(0, 60), right: r.right, article: right }); break; }
    }
  }
  return out;
}

// Every table as its rows of visible cell texts, and what a printed page shows of it.
function tablesProbe() {
  return [...document.querySelectorAll('article table')].map((t) => ({
    headers: [...t.querySelectorAll('thead th')].map((th) => th.innerText.trim()),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.innerText.trim())),
    hidden: [...t.querySelectorAll('th, td')].filter((c) => getComputedStyle(c).display === 'none').length,
    right: t.getBoundingClientRect().right,
  }));
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--allow-file-access-from-files'],
  });
  const out = { pages: {}, external: [], failed_local: [], errors: [], search: {}, print: {}, narrow: {}, axe: {} };
  const page = await browser.newPage();
  await page.setViewport({ width: spec.width || 1280, height: spec.height || 900 });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (local(req.url())) return req.continue();
    out.external.push(req.url());
    return req.abort();
  });
  page.on('requestfailed', (req) => { if (req.url().startsWith('file:')) out.failed_local.push(req.url()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  const open = async (rel) => { await page.goto(url(rel), { waitUntil: 'load' }); };

  for (const rel of spec.pages || []) {
    await open(rel);
    out.pages[rel] = await page.evaluate((probeSrc, tablesSrc) => {
      const probe = eval('(' + probeSrc + ')');
      const tables = eval('(' + tablesSrc + ')');
      const h1 = document.querySelector('article h1');
      const article = document.querySelector('article');
      return {
        title: document.title,
        h1: h1 ? h1.innerText.replace(/¶$/, '').trim() : '',
        text: article ? article.innerText : '',
        html: article ? article.innerHTML : '',
        overflow: probe(),
        tables: tables(),
        links: [...document.querySelectorAll('article a[href]')].map((a) => a.getAttribute('href')),
        toc: [...document.querySelectorAll('.md-nav--secondary .md-nav__link')].map((a) => {
          const r = a.getBoundingClientRect();
          const t = a.querySelector('.md-ellipsis') || a;
          return { text: a.innerText.trim(), clipped: t.scrollWidth > t.clientWidth + 1 || r.right > window.innerWidth };
        }),
        breadcrumbs: [...document.querySelectorAll('.md-nav__item--active > label, .md-path__item')].map((e) => e.innerText.trim()),
      };
    }, overflowProbe.toString(), tablesProbe.toString());
  }

  // Printed (A4 portrait at 96 dpi: 794 px wide): every column of every table inside the page, no copy buttons.
  for (const rel of spec.print || []) {
    await page.setViewport({ width: 794, height: 1123 });
    await open(rel);
    await page.emulateMediaType('print');
    out.print[rel] = await page.evaluate((tablesSrc) => {
      const tables = eval('(' + tablesSrc + ')');
      const clip = [...document.querySelectorAll('.md-clipboard, .md-code__button')]
        .filter((b) => getComputedStyle(b).display !== 'none' && b.getBoundingClientRect().width > 0).length;
      return { width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth,
               tables: tables(), copy_buttons: clip };
    }, tablesProbe.toString());
    await page.emulateMediaType(null);
    await page.setViewport({ width: spec.width || 1280, height: spec.height || 900 });
  }

  // A phone (390 px): the page itself never scrolls sideways.
  for (const rel of spec.narrow || []) {
    await page.setViewport({ width: 390, height: 844 });
    await open(rel);
    out.narrow[rel] = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, box: window.innerWidth }));
    await page.setViewport({ width: spec.width || 1280, height: spec.height || 900 });
  }

  // axe-core on shipit's own content (the article; Material's chrome is checked too but reported apart).
  for (const rel of spec.axe || []) {
    await open(rel);
    await page.addScriptTag({ path: AXE });
    out.axe[rel] = await page.evaluate(async () => {
      const res = await axe.run(document, { resultTypes: ['violations'] });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160) })) }));
    });
  }

  // Search, offline, typed like a reader (key events included): the result pages and their count.
  for (const query of spec.searches || []) {
    await open('index.html');
    await page.click('label.md-search__icon, .md-search__input').catch(() => {});
    await page.focus('input.md-search__input');
    await page.keyboard.type(query, { delay: 20 });
    await page.waitForFunction(() => {
      const meta = document.querySelector('.md-search-result__meta');
      return meta && /matching|No matching/i.test(meta.innerText);
    }, { timeout: 15000 }).catch(() => {});
    // Results render in chunks as the list scrolls; scroll to the end so every result is in the DOM.
    for (let i = 0; i < 20; i++) {
      const more = await page.evaluate(() => {
        const box = document.querySelector('.md-search__scrollwrap');
        if (!box) return false;
        const before = document.querySelectorAll('.md-search-result__item').length;
        box.scrollTop = box.scrollHeight;
        return before;
      });
      await new Promise((r) => setTimeout(r, 50));
      const after = await page.evaluate(() => document.querySelectorAll('.md-search-result__item').length);
      if (after === more) break;
    }
    out.search[query] = await page.evaluate(() => ({
      meta: (document.querySelector('.md-search-result__meta') || { innerText: '' }).innerText.trim(),
      links: [...document.querySelectorAll('.md-search-result__item > a, .md-search-result__item a.md-search-result__link')]
        .map((a) => a.getAttribute('href')),
    }));
    if (spec.search_shot === query) await page.screenshot({ path: path.join(spec.shots, 'search.png') });
  }

  // The Sign-off page's decision and each role's fields.
  if (spec.signoff) {
    await open('signoff.html');
    out.signoff = await page.evaluate(() => {
      const roles = {};
      for (const h2 of document.querySelectorAll('article h2[id^="role-"]')) {
        let el = h2.nextElementSibling;
        while (el && el.tagName !== 'TABLE' && !(el.querySelector && el.querySelector('table'))) el = el.nextElementSibling;
        const table = el && (el.tagName === 'TABLE' ? el : el.querySelector('table'));
        const fields = {};
        for (const tr of (table ? table.querySelectorAll('tbody tr') : [])) {
          const [k, v] = tr.querySelectorAll('td');
          fields[k.innerText.trim()] = v.innerText.trim();
        }
        roles[h2.id.slice(5)] = fields;
      }
      const d = document.querySelector('[data-decision]');
      return { roles, decision: d ? d.getAttribute('data-decision') : null };
    });
  }

  for (const shot of spec.screenshots || []) {
    await page.setViewport({ width: shot.width || spec.width || 1280, height: shot.height || 900 });
    await open(shot.page);
    const file = path.join(spec.shots, shot.file);
    if (shot.selector) {
      const el = await page.$(shot.selector);
      if (!el) { out.errors.push(`screenshot: no ${shot.selector} on ${shot.page}`); continue; }
      await el.screenshot({ path: file });
    } else {
      await page.screenshot({ path: file, fullPage: !!shot.full });
    }
  }
  await browser.close();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
