// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9) beside every compressible file
// of a Trunk build, so the server sends them as they are (tower-http's ServeDir `precompressed_*`)
// instead of compressing on the fly at a fast, low quality: for the wasm that is about 15 % less
// on the wire for every first visit. gen-sw.mjs calls it after writing sw.js, so the worker is
// compressed too; the `.br`/`.gz` files are never precached by the worker (the browser asks for
// the plain URL and the server picks the variant).

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** Endings worth compressing; images and fonts are compressed already. */
export const COMPRESSIBLE = /\.(wasm|js|mjs|css|html|webmanifest|json|svg|txt)$/;
/** Endings of the variants this script writes. */
export const VARIANT = /\.(br|gz)$/;

/** Compresses every compressible file under `dir`; returns what it wrote. */
export function precompress(dir) {
  const written = [];
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && COMPRESSIBLE.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
  for (const file of files) {
    const raw = readFileSync(file);
    const variants = [
      [".br", brotliCompressSync(raw, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      })],
      [".gz", gzipSync(raw, { level: 9 })],
    ];
    for (const [ending, bytes] of variants) {
      // A variant that is not smaller would only cost bytes: the server then sends the plain file.
      if (bytes.length < raw.length) {
        writeFileSync(file + ending, bytes);
        written.push({ file: file + ending, raw: raw.length, compressed: bytes.length });
      }
    }
  }
  return written;
}
