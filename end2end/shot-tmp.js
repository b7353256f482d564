const { chromium } = require('@playwright/test');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const base = 'http://127.0.0.1:3900';
  await page.goto(base + '/sign-in');
  await page.waitForSelector('[data-hydrated=true]');
  await page.fill('input[name=email]', process.argv[2]);
  await page.fill('input[name=password]', process.argv[3]);
  await page.click('button[type=submit]');
  await page.waitForTimeout(1500);
  let i = 10;
  for (const u of process.argv.slice(4)) {
    await page.goto(base + u);
    await page.waitForSelector('[data-hydrated=true]');
    await page.waitForTimeout(600);
    await page.screenshot({ path: `/tmp/demo/shot${i++}.png`, fullPage: false });
  }
  await browser.close();
})();
