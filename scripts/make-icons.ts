/**
 * Makes the app's icons from one source image, resources/icon.svg:
 * `npx tsx scripts/make-icons.ts`. Each size is drawn by Chromium at that size (not scaled down
 * from a big bitmap, so small sizes stay sharp); png2icons packs the Windows .ico and the macOS
 * .icns. The results are committed, so packaging never needs a browser.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import png2icons from 'png2icons';

const RESOURCES = resolve(import.meta.dirname, '..', 'resources');
/** Linux (AppImage, deb) takes a folder of square PNGs named by size; 1024 also feeds .icns. */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

async function main(): Promise<void> {
  const svg = readFileSync(join(RESOURCES, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    mkdirSync(join(RESOURCES, 'icons'), { recursive: true });
    const page = await browser.newPage();
    for (const size of ICON_SIZES) {
      await page.setViewportSize({ width: size, height: size });
      const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><img src="${dataUrl}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      writeFileSync(join(RESOURCES, 'icons', `${size}x${size}.png`), png);
    }
  } finally {
    await browser.close();
  }
  const master = readFileSync(join(RESOURCES, 'icons', '1024x1024.png'));
  writeFileSync(join(RESOURCES, 'icon.png'), master);
  const ico = png2icons.createICO(master, png2icons.BICUBIC2, 0, false, true);
  const icns = png2icons.createICNS(master, png2icons.BICUBIC2, 0);
  if (!ico || !icns) throw new Error('png2icons could not pack the icons from resources/icons/1024x1024.png');
  writeFileSync(join(RESOURCES, 'icon.ico'), ico);
  writeFileSync(join(RESOURCES, 'icon.icns'), icns);
  console.log(`icons written to ${RESOURCES}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
