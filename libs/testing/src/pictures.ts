import { PNG } from 'pngjs';

/**
 * Whether two PNG pictures show the same thing: the same size, and no pixel's colour more than
 * `tolerance` apart in any channel. Chromium's software rasteriser may draw the antialiased edge
 * of a rounded border a shade apart from one run to the next (a 1 in 255 difference on a few
 * pixels); a change of the console's look (a colour, a text, a position) is far larger.
 */
export function samePicture(a: Buffer, b: Buffer, tolerance = 2): boolean {
  if (a.equals(b)) return true;
  let x: PNG;
  let y: PNG;
  try {
    x = PNG.sync.read(a);
    y = PNG.sync.read(b);
  } catch {
    return false;
  }
  if (x.width !== y.width || x.height !== y.height) return false;
  for (let i = 0; i < x.data.length; i++) if (Math.abs(x.data[i]! - y.data[i]!) > tolerance) return false;
  return true;
}
