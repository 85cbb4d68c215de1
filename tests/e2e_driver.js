#!/usr/bin/env node
/*
 * e2e_driver.js - drives headless Chromium through the dashboard (web/) and
 * holds what the page shows against what the JSON API answers. Run by
 * tests/e2e.sh, which starts the service on demo data; stdlib only (no npm
 * package at test time): Chromium is driven over --remote-debugging-pipe,
 * the DevTools protocol as NUL-terminated JSON on file descriptors 3 and 4.
 *
 * Environment: E2E_BASE (a server without public read), E2E_PUBLIC_BASE (the
 * same database with MOTCUA_PUBLIC_READ=1), E2E_KEY (a read key), E2E_OUT
 * (where the screenshots and logs go), E2E_XSS (an agency name that must be
 * shown as text), CHROMIUM (the browser binary, default chromium).
 *
 * What it checks, in order: the page asks for a key (none in any URL), a
 * wrong key is refused and asked again, the figures (traffic lights, counts,
 * ranking, monthly series, the overdue and due-soon lists, the agency
 * picker) equal the API's for the default period, then for a period and an
 * agency chosen with the pickers; a dossier link opens that dossier; a CSV
 * button saves exactly the API's CSV; the English toggle; a hostile agency
 * name stays text; no script error and no CSP violation; with public read
 * the figures show without a key and the lists offer the key dialog. Ends
 * with "e2e: N passed, N failed"; exit status 1 on any failure.
 */
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BASE = process.env.E2E_BASE;
const PUBLIC_BASE = process.env.E2E_PUBLIC_BASE || '';
const KEY = process.env.E2E_KEY;
const OUT = process.env.E2E_OUT || 'build/e2e';
const XSS = process.env.E2E_XSS || '';
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const STEP_MS = 30000;        // the longest wait for one page state
const TOTAL_MS = 240000;      // the whole run

if (!BASE || !KEY) {
  console.error('e2e_driver: E2E_BASE and E2E_KEY are required');
  process.exit(2);
}

let passed = 0, failed = 0;
function check(what, cond, detail) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error('FAIL: ' + what + (detail !== undefined ? ': ' + detail : ''));
  }
  return !!cond;
}
function same(what, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  return check(what, g === w, 'page ' + clip(g) + ' != API ' + clip(w));
}
function clip(s) {
  return s && s.length > 600 ? s.slice(0, 600) + '…' : s;
}
const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---- the DevTools protocol over the pipe ----------------------------------------------------

class Cdp {
  constructor(proc) {
    this.out = proc.stdio[3];
    this.in = proc.stdio[4];
    this.seq = 0;
    this.pending = new Map();
    this.handlers = [];
    this.buf = Buffer.alloc(0);
    this.in.on('data', chunk => this.onData(chunk));
    this.in.on('error', () => {});
    this.out.on('error', () => {});
  }
  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    let end;
    while ((end = this.buf.indexOf(0)) >= 0) {
      const text = this.buf.subarray(0, end).toString('utf8');
      this.buf = this.buf.subarray(end + 1);
      let msg;
      try {
        msg = JSON.parse(text);
      } catch (e) {
        continue;
      }
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error)
          p.reject(new Error(p.method + ': ' + msg.error.message));
        else
          p.resolve(msg.result);
      } else if (msg.method) {
        for (const h of this.handlers)
          h(msg);
      }
    }
  }
  send(method, params, sessionId) {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(method + ': no answer in ' + STEP_MS + ' ms'));
      }, STEP_MS);
      this.pending.set(id, { resolve, reject, method, timer });
      const msg = { id: id, method: method, params: params || {} };
      if (sessionId)
        msg.sessionId = sessionId;
      this.out.write(JSON.stringify(msg) + '\0');
    });
  }
  on(h) {
    this.handlers.push(h);
  }
}

/* One tab in its own browser context (its own sessionStorage). */
class Page {
  constructor(cdp, sessionId) {
    this.cdp = cdp;
    this.sid = sessionId;
  }
  send(method, params) {
    return this.cdp.send(method, params, this.sid);
  }
  /* The value of a JavaScript expression in the page (awaited, by value). */
  async eval(expr) {
    const r = await this.send('Runtime.evaluate', { expression: expr, awaitPromise: true,
                                                    returnByValue: true });
    if (r.exceptionDetails)
      throw new Error('evaluate: ' + (r.exceptionDetails.exception && r.exceptionDetails.exception.description
                                      || r.exceptionDetails.text));
    return r.result.value;
  }
  /* Waits until the expression is truthy; returns its value (or null on timeout). */
  async until(expr, what) {
    const deadline = Date.now() + STEP_MS;
    while (Date.now() < deadline) {
      const v = await this.eval(expr).catch(() => null);
      if (v)
        return v;
      await sleep(100);
    }
    check('page reaches: ' + what, false, 'timed out; state=' +
          await this.eval('document.body && document.body.dataset.state').catch(() => '?'));
    return null;
  }
  async state(want) {
    return this.until('document.body && document.body.dataset.state === ' + JSON.stringify(want) +
                      ' && document.body.dataset.state', 'state ' + want);
  }
}

async function openPage(cdp, problems) {
  const { browserContextId } = await cdp.send('Target.createBrowserContext', {});
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank', browserContextId });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const page = new Page(cdp, sessionId);
  cdp.on(msg => {
    if (msg.sessionId !== sessionId)
      return;
    if (msg.method === 'Runtime.exceptionThrown')
      problems.push('exception: ' + JSON.stringify(msg.params.exceptionDetails).slice(0, 400));
    else if (msg.method === 'Runtime.consoleAPICalled' && msg.params.type === 'error')
      problems.push('console.error: ' + JSON.stringify(msg.params.args).slice(0, 400));
    else if (msg.method === 'Log.entryAdded') {
      const e = msg.params.entry;
      // 401 answers are logged by the browser as failed loads: expected (the key flow).
      if (/Content.Security.Policy/i.test(e.text) || (e.level === 'error' && e.source !== 'network'))
        problems.push('log: ' + e.source + ': ' + e.text);
    }
  });
  await page.send('Page.enable');
  await page.send('Runtime.enable');
  await page.send('Log.enable');
  await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1800,
                                                          deviceScaleFactor: 1, mobile: false });
  return { page, browserContextId };
}

// ---- the API side ---------------------------------------------------------------------------

async function api(base, p, key, accept) {
  const headers = { Accept: accept || 'application/json' };
  if (key)
    headers.Authorization = 'Bearer ' + key;
  const r = await fetch(base + p, { headers });
  if (!r.ok)
    throw new Error('GET ' + p + ': ' + r.status);
  return accept === 'text/csv' ? Buffer.from(await r.arrayBuffer()) : r.json();
}

function qs(o) {
  const u = new URLSearchParams();
  for (const k of Object.keys(o))
    if (o[k] !== '' && o[k] !== undefined && o[k] !== null)
      u.set(k, o[k]);
  return u.toString();
}

function vnToday() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

/* What the page shows, read from the DOM: the raw values it keeps in data-*
 * attributes and the visible texts. */
const COLLECT = `(() => {
  const all = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const list = s => all('table[data-list="' + s + '"] tbody tr').map(tr => ({
    code: tr.dataset.code, days: tr.querySelector('td[data-raw]').dataset.raw,
    href: tr.querySelector('a').getAttribute('href') }));
  return {
    hash: location.hash, href: location.href,
    period: document.querySelector('#period').value, agency: document.querySelector('#agency').value,
    agencies: all('#agency option').map(o => o.value).filter(v => v),
    agencyTexts: all('#agency option').map(o => o.textContent),
    lights: all('#lights .light').map(a => ({ rate: a.dataset.rate, status: a.dataset.status,
      value: a.dataset.value, numerator: a.dataset.numerator, denominator: a.dataset.denominator,
      target: a.dataset.target, gap: a.dataset.gap, lamp: getComputedStyle(a.querySelector('.lamp')).backgroundColor,
      shownValue: a.querySelector('.value').textContent, shownFraction: a.querySelector('.fraction').textContent })),
    counts: all('#counts .count').map(c => ({ name: c.dataset.count, raw: c.dataset.raw,
      shown: c.querySelector('dd').textContent })),
    ranking: all('#ranking tbody tr').map(tr => ({ key: tr.dataset.key, rank: tr.dataset.rank,
      value: tr.dataset.value, numerator: tr.dataset.numerator, denominator: tr.dataset.denominator,
      shownValue: tr.children[2].textContent })),
    series: all('#series-table tbody tr').map(tr => ({ key: tr.dataset.key,
      cells: all('td', tr).map(td => td.dataset.raw) })),
    overdue: list('overdue'), due_soon: list('due_soon'),
    needKeyLists: all('.need-key').length,
    chart: (() => { const c = document.querySelector('#series-chart');
      if (!window.Chart || !window.Chart.getChart(c)) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()
  };
})()`;

const RATES = ['on_time_rate', 'online_payment_rate', 'online_uptake_rate'];
const COUNTS = ['carried_over', 'received', 'finished', 'early', 'on_time', 'late',
                'pending', 'in_time', 'overdue', 'waiting'];
const str = v => v === null || v === undefined ? '' : String(v);
const digits = s => s.replace(/[^0-9]/g, '');

/* The page (shown) against the API for the period and agency it shows. */
async function compare(label, shown, base, key, period, agency, withLists) {
  const year = (period || vnToday()).slice(0, 4);
  const m = await api(base, '/v1/metrics?' + qs({ period, agency }), key);
  const groups = await api(base, '/v1/metrics?' + qs({ period, group_by: 'agency' }), key);
  const rk = await api(base, '/v1/rankings?' + qs({ period, metric: 'on_time_rate', by: 'agency' }), key);
  const se = await api(base, '/v1/metrics/series?' + qs({ period: year, interval: 'month', agency }), key);

  same(label + ': traffic lights (status, value, fraction, target, gap)',
       shown.lights.map(l => [l.rate, l.status, l.value, l.numerator, l.denominator, l.target, l.gap]),
       RATES.map(r => { const x = m.rates[r];
         return [r, x.status, str(x.value), str(x.numerator), str(x.denominator), str(x.target), str(x.gap)]; }));
  for (const l of shown.lights) {
    const x = m.rates[l.rate];
    const want = x.value === null ? null : (Math.round(x.value * 1000) / 10).toFixed(1);
    const got = x.value === null ? (l.shownValue === '—' ? null : l.shownValue)
      : l.shownValue.replace(/[^0-9,.]/g, '').replace(',', '.');
    check(label + ': ' + l.rate + ' shows ' + want + '%', got === want, 'shown "' + l.shownValue + '"');
    const nums = l.shownFraction.split('/').map(digits);
    same(label + ': ' + l.rate + ' fraction shown', nums, [str(x.numerator), str(x.denominator)]);
  }
  const colour = { met: 'rgb(26, 127, 55)', near: 'rgb(181, 129, 0)', missed: 'rgb(207, 34, 46)',
                   none: 'rgb(140, 149, 159)' };
  same(label + ': lamp colours follow the status', shown.lights.map(l => l.lamp),
       shown.lights.map(l => colour[l.status]));
  same(label + ': counts', shown.counts.map(c => [c.name, c.raw, digits(c.shown)]),
       COUNTS.map(c => [c, str(m.counts[c]), str(m.counts[c])]));
  same(label + ': agency picker', shown.agencies.slice().sort(),
       groups.groups.map(g => g.key).filter(k => k !== null).sort());
  same(label + ': ranking', shown.ranking.map(r => [r.key, r.rank, r.value, r.numerator, r.denominator]),
       rk.ranked.map(r => [r.key, str(r.rank), str(r.value), str(r.numerator), str(r.denominator)]));
  check(label + ': ranking values shown as percentages', shown.ranking.every((r, i) =>
    r.shownValue.replace(/[^0-9,.]/g, '').replace(',', '.') ===
      (Math.round(rk.ranked[i].value * 1000) / 10).toFixed(1)), JSON.stringify(shown.ranking.slice(0, 2)));
  same(label + ': monthly series', shown.series.map(s => [s.key].concat(s.cells)),
       se.buckets.map(b => [b.key, str(b.counts.received), str(b.counts.finished)]
         .concat(RATES.map(r => str(b.rates[r].value)))));
  check(label + ': the chart is drawn', shown.chart > 1000, 'painted pixels: ' + shown.chart);
  if (withLists) {
    for (const s of ['overdue', 'due_soon']) {
      const l = await api(base, '/v1/dossiers?' + qs({ state: s, agency, limit: 20 }), key);
      const days = s === 'overdue' ? 'working_days_overdue' : 'working_days_left';
      same(label + ': ' + s + ' list', shown[s].map(d => [d.code, d.days]),
           l.items.map(d => [d.code, str(d[days])]));
      check(label + ': ' + s + ' links open the dossier', shown[s].every(d =>
        d.href === '#dossier/' + encodeURIComponent(d.code)));
    }
  }
  return m;
}

/* Sets a <select> as a person would (value, then a change event). */
function choose(page, sel, value) {
  return page.eval(`(() => { const s = document.querySelector(${JSON.stringify(sel)});
    s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event('change', { bubbles: true }));
    return s.value; })()`);
}

async function typeKey(page, key) {
  await page.eval(`document.querySelector('#key-input').focus(), true`);
  await page.send('Input.insertText', { text: key });
  await page.eval(`document.querySelector('#key-submit').click(), true`);
}

// ---- the run --------------------------------------------------------------------------------

async function run(cdp, downloads) {
  const problems = [];
  const { page, browserContextId } = await openPage(cdp, problems);
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads,
                                                  browserContextId, eventsEnabled: true });

  // 1. Without public read the page asks for a key, and shows no figure before.
  await page.send('Page.navigate', { url: BASE + '/' });
  await page.state('need-key');
  check('the key dialog is open', await page.eval(`document.querySelector('#key-dialog').open`));
  check('no figure without a key', await page.eval(`document.querySelectorAll('#lights .light').length === 0`));
  check('the page is in Vietnamese first', await page.eval(
    `document.documentElement.lang === 'vi' && document.querySelector('h1').textContent.includes('thủ tục hành chính')`));

  // 2. A wrong key is refused and asked for again.
  await typeKey(page, 'mck_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro');
  await page.until(`document.body.dataset.state === 'need-key' && !document.querySelector('#key-error').hidden`,
                   'the wrong key is refused');
  check('a refused key is not kept', await page.eval(`sessionStorage.getItem('motcua.apiKey') === null`));

  // 3. The right key: the figures of the default period (this month to date).
  await typeKey(page, KEY);
  await page.state('ready');
  let shown = await page.eval(COLLECT);
  check('the key is kept for the session', await page.eval(`sessionStorage.getItem('motcua.apiKey')`) === KEY);
  check('the key is in no URL', !shown.href.includes(KEY) && !shown.href.includes('mck_'), shown.href);
  check('the key is not kept beyond the session', await page.eval(
    `Object.keys(localStorage).every(k => !String(localStorage.getItem(k)).includes('mck_'))`));
  await compare('default period', shown, BASE, KEY, '', '', true);

  // 4. The pickers: the previous month, then one agency.
  const today = vnToday();
  let y = +today.slice(0, 4), mo = +today.slice(5, 7) - 1;
  if (mo < 1) { mo = 12; y--; }
  const period = y + '-' + String(mo).padStart(2, '0');
  await page.eval(`document.body.dataset.state = 'changing', true`);
  check('the period picker offers ' + period, await choose(page, '#period', period) === period);
  await page.state('ready');
  shown = await page.eval(COLLECT);
  check('the address names the period', shown.hash.includes('period=' + period), shown.hash);
  await compare('period ' + period, shown, BASE, KEY, period, '', true);

  const agency = shown.ranking.length ? shown.ranking[0].key : shown.agencies[0];  // a demo agency
  await page.eval(`document.body.dataset.state = 'changing', true`);
  check('the agency picker offers ' + agency, await choose(page, '#agency', agency) === agency);
  await page.state('ready');
  shown = await page.eval(COLLECT);
  check('the address names the agency', shown.hash.includes('agency=' + encodeURIComponent(agency)), shown.hash);
  await compare('period ' + period + ', agency ' + agency, shown, BASE, KEY, period, agency, true);

  // 5. A dossier link opens that dossier.
  const first = shown.overdue[0] || shown.due_soon[0];
  if (check('a list has a dossier to open', !!first)) {
    await page.eval(`document.body.dataset.state = 'changing', true`);
    await page.eval(`document.querySelector('a[href="${first.href}"]').click(), true`);
    await page.state('ready');
    const d = await api(BASE, '/v1/dossiers/' + encodeURIComponent(first.code), KEY);
    const fields = await page.eval(`Object.fromEntries(Array.from(document.querySelectorAll('#dossier-fields tr'))
      .map(tr => [tr.dataset.field, tr.dataset.raw]))`);
    check('the dossier view is shown', await page.eval(`document.body.dataset.view === 'dossier'`));
    same('the dossier view', [fields.class, fields.due_at, fields.working_days_overdue, fields.working_days_left,
                              fields.received_at, fields.status],
         [d.class, str(d.due_at), str(d.working_days_overdue), str(d.working_days_left), d.received_at, d.status]);
    await page.eval(`document.body.dataset.state = 'changing', true`);
    await page.eval(`document.querySelector('#back-link').click(), true`);
    await page.state('ready');
    check('back to the overview with its pickers', await page.eval(
      `document.body.dataset.view === 'overview' && document.querySelector('#agency').value === ${JSON.stringify(agency)}`));
  }

  // 6. A CSV button saves exactly the API's CSV (fetched with the header, saved from a Blob).
  const before = new Set(fs.readdirSync(downloads));
  await page.eval(`document.querySelector('button[data-csv="overdue"]').click(), true`);
  let file = null;
  for (let i = 0; i < 100 && !file; i++) {
    await sleep(100);
    file = fs.readdirSync(downloads).find(f => !before.has(f) && f.endsWith('.csv'));
  }
  if (check('the overdue CSV is downloaded', !!file)) {
    await sleep(200);
    const want = await api(BASE, '/v1/dossiers?' + qs({ state: 'overdue', agency, limit: 1000, format: 'csv' }),
                           KEY, 'text/csv');
    const got = fs.readFileSync(path.join(downloads, file));
    check('the CSV equals the API\'s, byte for byte', Buffer.compare(got, want) === 0,
          got.length + ' bytes vs ' + want.length);
    check('the CSV starts with a BOM and its header', got.subarray(0, 8).toString('latin1') === '\xef\xbb\xbfcode,');
  }

  // 7. English, and back.
  await page.eval(`document.querySelector('#lang-button').click(), true`);
  check('the English toggle', await page.eval(
    `document.documentElement.lang === 'en' && document.querySelector('h1').textContent === 'Administrative procedures dashboard'
     && document.querySelector('#lights .status-text') !== null
     && ['Met', 'Near', 'Missed', 'No data'].includes(document.querySelector('#lights .status-text').textContent)`));
  await page.eval(`document.querySelector('#lang-button').click(), true`);
  check('back to Vietnamese', await page.eval(`document.documentElement.lang === 'vi'`));

  // 8. A hostile agency name is shown as text, never run.
  if (XSS) {
    await page.eval(`document.body.dataset.state = 'changing', true`);
    await choose(page, '#agency', '');
    await page.state('ready');
    shown = await page.eval(COLLECT);
    check('a hostile agency name is shown as text', shown.agencyTexts.some(t => t.includes('<img')),
          JSON.stringify(shown.agencyTexts));
    check('and never runs', await page.eval(`window.__xss === undefined && !document.querySelector('img')`));
  }

  // 9. A reload keeps the key (the browser session), then the screenshot:
  // the province over the previous month.
  await page.eval(`location.hash = '#period=${period}', document.body.dataset.state = 'changing', true`);
  await page.send('Page.reload', { ignoreCache: true });
  await page.state('ready');
  check('a reload does not ask for the key again', !(await page.eval(`document.querySelector('#key-dialog').open`)));
  await sleep(300);
  const shot = await page.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
  const png = Buffer.from(shot.data, 'base64');
  fs.writeFileSync(path.join(OUT, 'dashboard.png'), png);
  check('the screenshot is written', png.length > 20000 && png.subarray(1, 4).toString() === 'PNG',
        png.length + ' bytes');
  same('no script error and no CSP violation (key required)', problems, []);
  await cdp.send('Target.disposeBrowserContext', { browserContextId });

  // 10. With public read: the figures without a key; the lists still need one.
  if (PUBLIC_BASE) {
    const problems2 = [];
    const p2 = await openPage(cdp, problems2);
    await p2.page.send('Page.navigate', { url: PUBLIC_BASE + '/#period=' + period });
    await p2.page.state('ready');
    shown = await p2.page.eval(COLLECT);
    check('public read: no key dialog', !(await p2.page.eval(`document.querySelector('#key-dialog').open`)));
    await compare('public read', shown, PUBLIC_BASE, '', period, '', false);
    check('public read: both lists ask for a key', shown.needKeyLists === 2, shown.needKeyLists);
    await p2.page.eval(`document.body.dataset.state = 'changing', true`);
    await p2.page.eval(`document.querySelector('.need-key button').click(), true`);
    await p2.page.state('need-key');
    await typeKey(p2.page, KEY);
    await p2.page.state('ready');
    shown = await p2.page.eval(COLLECT);
    await compare('public read with a key', shown, PUBLIC_BASE, KEY, period, '', true);
    const shot2 = await p2.page.send('Page.captureScreenshot', { format: 'png' });
    fs.writeFileSync(path.join(OUT, 'dashboard-public.png'), Buffer.from(shot2.data, 'base64'));
    same('no script error and no CSP violation (public read)', problems2, []);
    await cdp.send('Target.disposeBrowserContext', { browserContextId: p2.browserContextId });
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-chromium-'));
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-dl-'));
  const log = fs.openSync(path.join(OUT, 'chromium.log'), 'w');
  const proc = spawn(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--no-default-browser-check',
    '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio', '--lang=vi',
    '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank'
  ], { stdio: ['ignore', log, log, 'pipe', 'pipe'] });
  let exited = false;
  proc.on('exit', () => { exited = true; });
  const watchdog = setTimeout(() => {
    console.error('FAIL: the run took longer than ' + TOTAL_MS + ' ms');
    proc.kill('SIGKILL');
    process.exit(1);
  }, TOTAL_MS);
  const cdp = new Cdp(proc);
  try {
    await cdp.send('Browser.getVersion').then(v => console.error('e2e: ' + v.product));
    await run(cdp, downloads);
  } catch (e) {
    check('the run completes', false, e.stack || String(e));
  } finally {
    clearTimeout(watchdog);
    await cdp.send('Browser.close').catch(() => {});
    for (let i = 0; i < 50 && !exited; i++)
      await sleep(100);
    if (!exited)
      proc.kill('SIGKILL');
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(downloads, { recursive: true, force: true });
  }
  console.log('e2e: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}

main();
