import { PNG } from 'pngjs';
import { samePicture } from './pictures';

function picture(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const [r, g, b] = paint(x, y);
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

describe('samePicture', () => {
  const base = picture(16, 8, (x) => [21, 64, 110 + x]);

  it('takes an antialiased edge drawn a shade apart as the same picture', () => {
    const shade = picture(16, 8, (x, y) => (y === 2 && x > 4 && x < 9 ? [22, 63, 111 + x] : [21, 64, 110 + x]));
    expect(samePicture(base, shade)).toBe(true);
    expect(samePicture(base, base)).toBe(true);
  });

  it('tells a change of colour, of size or a broken file', () => {
    expect(
      samePicture(
        base,
        picture(16, 8, (x, y) => (y === 2 && x === 3 ? [255, 255, 255] : [21, 64, 110 + x])),
      ),
    ).toBe(false);
    expect(
      samePicture(
        base,
        picture(16, 8, (x) => [21, 64, 114 + x]),
      ),
    ).toBe(false);
    expect(
      samePicture(
        base,
        picture(16, 9, (x) => [21, 64, 110 + x]),
      ),
    ).toBe(false);
    expect(samePicture(base, Buffer.from('not a png'))).toBe(false);
  });
});
