import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@vlalign/core';
import { writeRunReport } from './write-run-report.js';
import { FAKE_RUN_CHARTS, fakeSamples, writeFakeRun } from './test-helpers.js';

/**
 * Opens a written report in a real headless Chromium (Debian's package, driven by playwright-core)
 * and checks it renders: charts, image grid, no console errors, no network requests.
 * CI installs the browser in .ci/run (`apt-get install -y chromium`); set CHROMIUM_PATH to use another.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
const executablePath = CANDIDATES.find((p) => existsSync(p));
if (!executablePath) console.warn(`report-browser.test: SKIPPED — no Chromium binary found (looked at ${CANDIDATES.join(', ')}); install it with \`apt-get install -y chromium\``);

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SAMPLES = 6;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'vlalign-report-browser-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!executablePath)('report in headless Chromium', () => {
  it('renders every chart and grid image without console errors or requests', async () => {
    const run = join(dir, 'run');
    writeFakeRun(run);
    const file = await writeRunReport(run, { samples: fakeSamples(SAMPLES) });

    const { chromium } = await import('playwright-core');
    // A persistent context is how playwright takes a user-data-dir; a fresh one per run.
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });

      expect(errors).toEqual([]);
      expect(requests.filter((u) => u !== url && !u.startsWith('data:'))).toEqual([]);
      expect(await page.locator('figure.chart > svg').count()).toBe(FAKE_RUN_CHARTS);
      // every chart drew its lines (ECharts' SVG has one path per series at least)
      const pathsPerChart = await page.$$eval('figure.chart > svg', (svgs) => svgs.map((s) => s.querySelectorAll('path').length));
      expect(pathsPerChart.every((n) => n > 3)).toBe(true);
      const chartBoxes = await page.$$eval('figure.chart > svg', (svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(chartBoxes.every((w) => w > 100)).toBe(true);
      // every grid image decoded (naturalWidth is 0 for a broken image)
      const natural = await page.$$eval('figure.sample img', (imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(natural).toHaveLength(SAMPLES);
      expect(natural.every((w) => w >= 32)).toBe(true);
      expect(await page.locator('svg.word-points').count()).toBe(SAMPLES / 2);
      expect(await page.locator('#config pre').innerText()).toContain('"use": "clip"');

      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const keep = join(repoRoot, 'bench', 'out', 'report-screenshot.png');
      mkdirSync(dirname(keep), { recursive: true });
      copyFileSync(shot, keep);
    } finally {
      await context.close();
    }
  });
});
