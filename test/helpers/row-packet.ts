// A text-protocol row payload as the server sends it: each value behind its length-encoded
// length (1, 3, 4 or 9 bytes), 0xFB alone for NULL.
export function rowPayload(values: Array<Buffer | null>): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) parts.push(Buffer.from([0xfb]));
    else if (v.length < 251) parts.push(Buffer.from([v.length]), v);
    else if (v.length < 1 << 16) parts.push(Buffer.from([0xfc, v.length & 0xff, v.length >> 8]), v);
    else if (v.length < 1 << 24) parts.push(Buffer.from([0xfd, v.length & 0xff, (v.length >> 8) & 0xff, v.length >> 16]), v);
    else {
      const h = Buffer.alloc(9);
      h[0] = 0xfe;
      h.writeUInt32LE(v.length, 1);
      parts.push(h, v);
    }
  }
  return Buffer.concat(parts);
}
