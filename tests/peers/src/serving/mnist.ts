/**
 * The stand-in for clearml-serving's pytorch example: an MNIST CNN behind Triton whose
 * preprocess decodes the image with PIL, makes it grey and 28×28. Here the network is a small
 * deterministic model instead of trained weights: it normalises the digit as MNIST does (its
 * bounding box scaled into 20×20, its centre of mass at the centre of 28×28, its slant sheared
 * away), and compares it, ink and stroke directions, with digits drawn from pen strokes,
 * answering log_softmax over the ten classes like the CNN's last layer. Same pixels, same
 * answer; a clearly written digit gets its own class.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

/** MNIST's side: the model's input is 28×28 grey values. */
export const SIDE = 28;
const PIXELS = SIDE * SIDE;

type Point = [number, number];
type Stroke = Point[];

/** Points of an ellipse arc; angles in degrees, 0 = right, 90 = down (image coordinates). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 24): Stroke {
  const points: Stroke = [];
  for (let i = 0; i <= steps; i++) {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    points.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return points;
}

/** A polyline from flat coordinates: `line(x0, y0, x1, y1, ...)`. */
export function line(...xy: number[]): Stroke {
  const points: Stroke = [];
  for (let i = 0; i + 1 < xy.length; i += 2) points.push([xy[i]!, xy[i + 1]!]);
  return points;
}

/** Each digit as pen strokes in a box about 12 wide and 20 high; a common second way to write 4. */
const DRAWINGS: Array<[digit: number, strokes: Stroke[]]> = [
  [0, [arc(6, 10, 5.5, 9.5, 0, 360)]],
  [1, [line(7, 0, 5.5, 20)]],
  [2, [[...arc(6, 5, 5, 5, 190, 380), [1, 20], [12, 20]]]],
  [3, [arc(6, 4.75, 5, 4.75, 200, 450), arc(6, 14.75, 5.5, 5.25, 270, 520)]],
  [4, [line(8, 0, 0, 13, 12, 13), line(9, 6, 9, 20)]],
  [4, [line(1.5, 0, 0.5, 12, 12, 12), line(10, 0, 10, 20)]],
  [5, [[...line(11, 0, 2, 0, 1.3, 9.2), ...arc(5.5, 13.5, 5.5, 6.2, 228, 500)]]],
  [6, [line(10, 1, 6, 0, 2, 4, 0, 11, 1, 17, 5, 20, 9, 19, 11, 15, 10, 11, 6, 10, 2, 12, 0.5, 15)]],
  [7, [line(0, 0, 12, 0, 4, 20)]],
  [8, [arc(6, 4.8, 4.5, 4.8, 0, 360), arc(6, 14.8, 5.5, 5.2, 0, 360)]],
  [9, [arc(6, 5.5, 5, 5.5, 0, 360), line(11, 5.5, 9, 20)]],
];

/**
 * Draws strokes with a round pen of `width` pixels, anti-aliased, white on black as MNIST is:
 * each stroke point is mapped through `at` onto the 28×28 grid. Values 0..1.
 */
export function drawStrokes(strokes: Stroke[], width: number, at: (p: Point) => Point): Float32Array {
  const segments: Array<[Point, Point]> = [];
  for (const stroke of strokes) {
    const mapped = stroke.map(at);
    for (let i = 1; i < mapped.length; i++) segments.push([mapped[i - 1]!, mapped[i]!]);
  }
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let d = Infinity;
      for (const [a, b] of segments) d = Math.min(d, distanceToSegment(x + 0.5, y + 0.5, a, b));
      out[y * SIDE + x] = Math.min(1, Math.max(0, width / 2 + 0.5 - d));
    }
  }
  return out;
}

function distanceToSegment(px: number, py: number, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Bilinear sample of a 28×28 image, 0 outside. */
function sample(img: Float32Array, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= SIDE || yy >= SIDE ? 0 : img[yy * SIDE + xx]!);
  return at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy;
}

/**
 * The vector the classes are compared on: the digit normalised as MNIST's are (slant sheared
 * away, bounding box scaled into 20×20, centre of mass at the centre), then its ink and its edges
 * in four directions, each blurred (σ = 1, so that strokes a pixel apart still overlap) and
 * brought to zero mean and unit length. A blank image gives the zero vector.
 */
function features(pixels: ArrayLike<number>): Float32Array {
  let min = Infinity;
  for (let i = 0; i < PIXELS; i++) min = Math.min(min, pixels[i]!);
  let ink: Float32Array = new Float32Array(PIXELS);
  let max = 0;
  for (let i = 0; i < PIXELS; i++) max = Math.max(max, (ink[i] = pixels[i]! - min));
  if (!(max > 0)) return new Float32Array(CHANNELS * PIXELS);
  ink = deskew(ink);
  // bounding box of the ink, scaled so that its longer side is 20 pixels
  let left = SIDE;
  let right = -1;
  let top = SIDE;
  let bottom = -1;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      if (ink[y * SIDE + x]! <= 0.1 * max) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  const scale = 20 / Math.max(right - left + 1, bottom - top + 1);
  const cx = (left + right + 1) / 2;
  const cy = (top + bottom + 1) / 2;
  const boxed = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++)
      boxed[y * SIDE + x] = sample(ink, cx + (x + 0.5 - SIDE / 2) / scale - 0.5, cy + (y + 0.5 - SIDE / 2) / scale - 0.5);
  }
  // centre of mass to the centre
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = boxed[y * SIDE + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const shiftX = mx / mass - SIDE / 2;
  const shiftY = my / mass - SIDE / 2;
  const centred = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) centred[y * SIDE + x] = sample(boxed, x + shiftX, y + shiftY);
  }
  const channels = [centred, ...orientations(centred)];
  const out = new Float32Array(CHANNELS * PIXELS);
  channels.forEach((channel, c) => {
    const blurred = blur(channel);
    let mean = 0;
    for (const v of blurred) mean += v / PIXELS;
    let norm = 0;
    for (let i = 0; i < PIXELS; i++) norm += (blurred[i]! - mean) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < PIXELS; i++) out[c * PIXELS + i] = (blurred[i]! - mean) / norm / Math.sqrt(CHANNELS);
  });
  return out;
}

const ORIENTATIONS = 4;
const CHANNELS = 1 + ORIENTATIONS;

/** Edge strength per orientation (0°, 45°, 90°, 135°; the gradient's direction without its sign). */
function orientations(img: Float32Array): Float32Array[] {
  const out = Array.from({ length: ORIENTATIONS }, () => new Float32Array(PIXELS));
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0 : img[y * SIDE + x]!);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const gx = at(x + 1, y) - at(x - 1, y);
      const gy = at(x, y + 1) - at(x, y - 1);
      const magnitude = Math.hypot(gx, gy);
      if (magnitude === 0) continue;
      const angle = Math.atan2(gy, gx);
      for (let o = 0; o < ORIENTATIONS; o++) {
        out[o]![y * SIDE + x] = magnitude * Math.max(0, Math.cos(2 * (angle - (o * Math.PI) / ORIENTATIONS)));
      }
    }
  }
  return out;
}

/** Shear the slant away: x moves by the covariance of x and y over the variance of y (MNIST deskewing). */
function deskew(img: Float32Array): Float32Array {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = img[y * SIDE + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  mx /= mass;
  my /= mass;
  let mu11 = 0;
  let mu02 = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = img[y * SIDE + x]!;
      mu11 += v * (x - mx) * (y - my);
      mu02 += v * (y - my) ** 2;
    }
  }
  if (!(mu02 > 0)) return img;
  const alpha = mu11 / mu02;
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) out[y * SIDE + x] = sample(img, x + alpha * (y - my), y);
  }
  return out;
}

const KERNEL = [-3, -2, -1, 0, 1, 2, 3].map((i) => Math.exp(-(i * i) / 2));
const KERNEL_SUM = KERNEL.reduce((s, k) => s + k, 0);

function blur(img: Float32Array): Float32Array {
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(PIXELS);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        let s = 0;
        for (let k = 0; k < KERNEL.length; k++) {
          const xx = horizontal ? x + k - 3 : x;
          const yy = horizontal ? y : y + k - 3;
          if (xx >= 0 && yy >= 0 && xx < SIDE && yy < SIDE) s += src[yy * SIDE + xx]! * KERNEL[k]!;
        }
        out[y * SIDE + x] = s / KERNEL_SUM;
      }
    }
    return out;
  };
  return pass(pass(img, true), false);
}

/** The drawings placed like MNIST digits (20 pixels high, pen 2.2 pixels), as feature vectors. */
const TEMPLATES = DRAWINGS.map(([digit, strokes]) => ({
  digit,
  features: features(drawStrokes(strokes, 2.2, ([x, y]) => [x + 8, y + 4])),
}));

/**
 * The model: 28×28 grey values (any scale, white digit on black) → ten log-probabilities, as the
 * example's CNN ends in log_softmax. The logits are the cosine similarities with the classes'
 * drawings, sharpened.
 */
export function mnistLogProbabilities(pixels: ArrayLike<number>): number[] {
  if (pixels.length !== PIXELS) throw new RangeError(`expected ${PIXELS} pixels, got ${pixels.length}`);
  const f = features(pixels);
  const logits = new Array<number>(10).fill(-Infinity);
  for (const t of TEMPLATES) logits[t.digit] = Math.max(logits[t.digit]!, 30 * t.features.reduce((s, v, i) => s + v * f[i]!, 0));
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
  return logits.map((l) => Math.fround(l - lse));
}

/** The postprocess of the example: `dict(digit=int(data.flatten().argmax()))`. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** PIL's `Image.MAX_IMAGE_PIXELS * 2`: beyond it `Image.open` raises DecompressionBombError. */
const MAX_IMAGE_PIXELS = 2 * 89_478_485;

/**
 * The example's preprocess for image bytes: `Image.open(...).convert("RGB")`, then
 * `ImageOps.grayscale(image).resize((28, 28))`, as uint8 values. Decodes PNG and JPEG (PIL
 * reads more formats; these are what clients send). Throws for anything it cannot decode.
 */
export function imageToMnistPixels(bytes: Buffer): Uint8Array {
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    if (bytes.readUInt32BE(16) * bytes.readUInt32BE(20) > MAX_IMAGE_PIXELS) throw new Error('decompression bomb');
    const png = PNG.sync.read(bytes);
    ({ width, height } = png);
    rgba = png.data;
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
    ({ width, height } = jpeg);
    rgba = jpeg.data;
  } else {
    throw new Error('not a PNG or JPEG image');
  }
  if (width * height === 0 || rgba.length < width * height * 4) throw new Error('truncated image');
  // ITU-R 601-2 luma, as PIL's "L" conversion (the alpha channel is dropped by convert("RGB"))
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = (rgba[i * 4]! * 299 + rgba[i * 4 + 1]! * 587 + rgba[i * 4 + 2]! * 114) / 1000;
  return resizeArea(grey, width, height);
}

/** Resize to 28×28, each pixel the area-weighted mean of the source pixels it covers. */
function resizeArea(grey: Float32Array, width: number, height: number): Uint8Array {
  const weights = (size: number) =>
    Array.from({ length: SIDE }, (_, o) => {
      const from = (o * size) / SIDE;
      const to = ((o + 1) * size) / SIDE;
      const spans: Array<[number, number]> = [];
      for (let s = Math.floor(from); s < Math.min(size, Math.ceil(to)); s++) spans.push([s, Math.min(to, s + 1) - Math.max(from, s)]);
      return spans;
    });
  const wx = weights(width);
  const wy = weights(height);
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      let area = 0;
      for (const [sy, ky] of wy[y]!) {
        for (const [sx, kx] of wx[x]!) {
          sum += grey[sy * width + sx]! * kx * ky;
          area += kx * ky;
        }
      }
      out[y * SIDE + x] = Math.min(255, Math.round(sum / area));
    }
  }
  return out;
}
