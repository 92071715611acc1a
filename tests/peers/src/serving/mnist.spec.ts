import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { argmax, drawStrokes, imageToMnistPixels, line, mnistLogProbabilities, SIDE } from './mnist';

const SAMPLE = readFileSync(join(__dirname, '..', '..', '..', '..', 'samples', '5.png'));

/** An RGBA image of `scale` times the 28×28 grey pixels, each source pixel a square. */
function upscale(grey: Uint8Array, scale: number): { width: number; height: number; data: Buffer } {
  const width = SIDE * scale;
  const data = Buffer.alloc(width * width * 4);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const v = grey[Math.floor(y / scale) * SIDE + Math.floor(x / scale)]!;
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { width, height: width, data };
}

describe('serving peer: the MNIST stand-in model', () => {
  it('reads the shipped sample as the 28×28 grey digit it is and answers 5', () => {
    const pixels = imageToMnistPixels(SAMPLE);
    expect(pixels).toHaveLength(SIDE * SIDE);
    expect(Math.max(...pixels)).toBe(255);
    expect(pixels[0]).toBe(0);
    const scores = mnistLogProbabilities(pixels);
    expect(argmax(scores)).toBe(5);
    expect(scores.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
    expect(mnistLogProbabilities(imageToMnistPixels(SAMPLE))).toEqual(scores);
  });

  it('decodes PNG and JPEG of any size, in colour, down to the same digit', () => {
    const grey = imageToMnistPixels(SAMPLE);
    const big = upscale(grey, 4);
    const png = PNG.sync.write(Object.assign(new PNG({ width: big.width, height: big.height }), { data: big.data }));
    expect(Array.from(imageToMnistPixels(png))).toEqual(Array.from(grey));
    const jpeg = encodeJpeg(big, 90).data;
    const fromJpeg = imageToMnistPixels(jpeg);
    expect(Math.max(...Array.from(fromJpeg, (v, i) => Math.abs(v - grey[i]!)))).toBeLessThan(24);
    expect(argmax(mnistLogProbabilities(fromJpeg))).toBe(5);
    // a red digit: PIL's luma keeps 29.9 % of the red channel
    const red = Buffer.from(big.data);
    for (let i = 0; i < red.length; i += 4) red[i + 1] = red[i + 2] = 0;
    const fromRed = imageToMnistPixels(PNG.sync.write(Object.assign(new PNG({ width: big.width, height: big.height }), { data: red })));
    expect(fromRed[grey.indexOf(255)]).toBe(76);
    expect(argmax(mnistLogProbabilities(fromRed))).toBe(5);
  });

  it('rejects what it cannot decode', () => {
    expect(() => imageToMnistPixels(Buffer.from('hello'))).toThrow();
    expect(() => imageToMnistPixels(SAMPLE.subarray(0, 40))).toThrow();
    expect(() => imageToMnistPixels(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]))).toThrow();
  });

  // Each digit written by another hand: other strokes, slanted, another pen, smaller, off centre.
  const HANDWRITTEN = [
    [line(6, 0, 2, 3, 0.5, 10, 2, 18, 6, 20, 10, 17, 11.5, 10, 10, 3, 6, 0)],
    [line(4, 3, 7, 0, 7, 20)],
    [line(1, 4, 5, 0, 10, 1, 11, 6, 6, 13, 0, 20, 12, 19)],
    [line(0, 1, 11, 1, 5, 8, 10, 11, 11, 16, 6, 20, 0, 18)],
    [line(2, 0, 1, 11, 12, 11), line(10, 2, 9.5, 20)],
    [line(11, 0, 3, 0.5, 2, 8, 8, 8, 11.5, 12, 10, 18, 4, 20, 0, 17)],
    [line(9, 0, 3, 6, 0.5, 14, 3, 20, 9, 19, 11, 14, 7, 10, 1, 13)],
    [line(0, 1, 12, 0, 7, 9, 6, 20)],
    [line(10, 2, 6, 0, 2, 2, 3, 7, 10, 13, 10, 19, 5, 20, 1, 18, 2, 13, 9, 7, 10, 2)],
    [line(11, 3, 6, 0, 1, 3, 2, 8, 7, 9, 11, 4, 11, 12, 10, 20)],
  ];

  it.each([
    ['upright, pen 2.2', 0, 2.2, 1, 8, 4],
    ['slanted right, thick pen', 0.25, 3.2, 1, 8, 4],
    ['slanted left, thin pen', -0.15, 1.6, 1, 8, 4],
    ['small, in a corner', 0.1, 1.8, 0.6, 2, 2],
  ])('classifies digits written by another hand: %s', (_name, shear, pen, scale, dx, dy) => {
    const answers = HANDWRITTEN.map((strokes) =>
      argmax(mnistLogProbabilities(drawStrokes(strokes, pen, ([x, y]) => [dx + scale * (x - shear * (y - 10)), dy + scale * y]))),
    );
    expect(answers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
