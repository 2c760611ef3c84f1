#!/usr/bin/env node
// Draws the app icons of the PWA: two linked rings (连心, "hearts linked") in white on the theme's
// red. Run once by hand (`node scripts/gen-icons.mjs`) when the design changes; the PNGs and the
// SVG it writes under public/ are committed, so builds never depend on an image tool.
//
// No dependency: PNGs are encoded here with node's zlib, and shapes are anti-aliased by
// supersampling each pixel on a 4×4 grid.

import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const THEME = { red: [0x9f, 0x1d, 0x1d], white: [0xff, 0xff, 0xff] };
const SUPERSAMPLE = 4;

// The design in unit coordinates (the icon is the square [0,1]²). The rings stay inside the
// central 80 % circle, the safe zone of a maskable icon.
const RINGS = [
  { cx: 0.385, cy: 0.5, r: 0.2, width: 0.075 },
  { cx: 0.615, cy: 0.5, r: 0.2, width: 0.075 },
];

/** Whether the unit point (x, y) is on a ring. */
function onRing(x, y) {
  return RINGS.some(({ cx, cy, r, width }) => {
    const d = Math.hypot(x - cx, y - cy);
    return Math.abs(d - r) <= width / 2;
  });
}

/** Whether (x, y) is inside a square of side 1 with corners rounded to `radius`. */
function inRoundedSquare(x, y, radius) {
  const dx = Math.max(radius - x, x - (1 - radius), 0);
  const dy = Math.max(radius - y, y - (1 - radius), 0);
  return dx * dx + dy * dy <= radius * radius;
}

/**
 * RGBA pixels of the icon at `size` px. `cornerRadius` 0 gives a full-bleed square (maskable,
 * apple-touch), anything else a rounded tile on transparency (purpose "any").
 */
export function drawIcon(size, cornerRadius) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let tile = 0;
      let ring = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          if (cornerRadius === 0 || inRoundedSquare(x, y, cornerRadius)) {
            tile++;
            if (onRing(x, y)) ring++;
          }
        }
      }
      const i = (py * size + px) * 4;
      // Ring pixels are white over red; the mix is by coverage within the tile.
      const t = tile === 0 ? 0 : ring / tile;
      for (let c = 0; c < 3; c++) {
        pixels[i + c] = Math.round(THEME.red[c] * (1 - t) + THEME.white[c] * t);
      }
      pixels[i + 3] = Math.round((255 * tile) / n);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it (ISO 3309). */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG file (8-bit RGBA, no interlace) of `size`×`size` RGBA `pixels`. */
export function encodePng(size, pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  // compression, filter and interlace methods stay 0
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The same design as an SVG favicon (crisp at every size, a few hundred bytes). */
export function svgIcon() {
  const hex = (rgb) => "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  const s = 64;
  const rings = RINGS.map(
    ({ cx, cy, r, width }) =>
      `<circle cx="${cx * s}" cy="${cy * s}" r="${r * s}" fill="none" stroke="${hex(THEME.white)}" stroke-width="${width * s}"/>`,
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${s} ${s}"><rect width="${s}" height="${s}" rx="${0.18 * s}" fill="${hex(THEME.red)}"/>${rings}</svg>\n`;
}

/** Every file the app needs, by path under public/. */
export function icons() {
  const any = 0.18; // corner radius of the "any" tiles
  return {
    "icons/icon-32.png": encodePng(32, drawIcon(32, any)),
    "icons/icon-192.png": encodePng(192, drawIcon(192, any)),
    "icons/icon-512.png": encodePng(512, drawIcon(512, any)),
    "icons/icon-maskable-512.png": encodePng(512, drawIcon(512, 0)),
    "icons/apple-touch-icon.png": encodePng(180, drawIcon(180, 0)),
    "favicon.svg": svgIcon(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const publicDir = join(dirname(fileURLToPath(import.meta.url)), "..", "public");
  for (const [path, bytes] of Object.entries(icons())) {
    const out = join(publicDir, path);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
    console.log(`wrote public/${path} (${bytes.length} bytes)`);
  }
}
