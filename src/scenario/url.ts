/**
 * Share-link codec (SCENARIO-LANGUAGE.md, "URLs"): `s=1.PAYLOAD&step=N`.
 *
 * `1.` is the format version; PAYLOAD is the base64url (no padding) of the
 * scenario text's UTF-8 bytes compressed with raw DEFLATE
 * (CompressionStream('deflate-raw')). Other view choices may follow as more
 * `&key=value` pairs (`extra`). Links are untrusted: decoding is bounded (a
 * payload that inflates past 1 MiB is refused while streaming, never inflated
 * in full), versioned, and never throws.
 *
 * `encodeShareHash` returns the fragment without its leading `#`;
 * `decodeShareHash` accepts it with or without one.
 */

/** The current (and only) link format version. Version 1 links must keep opening. */
export const SHARE_VERSION = 1;
/** Largest scenario text a link may carry, in bytes after inflating. */
export const MAX_SHARE_TEXT_BYTES = 1024 * 1024;
/** Largest PAYLOAD accepted, in base64url characters (DEFLATE cannot shrink text 1 MiB → this small without being a bomb). */
export const MAX_SHARE_PAYLOAD_CHARS = 2 * 1024 * 1024;

export type ShareDecoded =
  | { ok: true; text: string; step: number; extra: Record<string, string> }
  | { ok: false; message: string };

/** Encode a scenario and step (and optional extra view choices) as a fragment, without the `#`. */
export async function encodeShareHash(text: string, step: number, extra: Record<string, string> = {}): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  // Refuse to make a link decodeShareHash would refuse to open.
  if (bytes.length > MAX_SHARE_TEXT_BYTES) throw new Error(`the scenario is ${(bytes.length / 1024 / 1024).toFixed(1)} MiB; a link holds at most ${MAX_SHARE_TEXT_BYTES / 1024 / 1024} MiB`);
  const deflated = await pipeAll(bytes, new CompressionStream('deflate-raw'));
  const payload = toBase64Url(deflated);
  if (payload.length > MAX_SHARE_PAYLOAD_CHARS) throw new Error(`the link would be ${payload.length.toLocaleString('en-US')} characters long; the explorer opens links of at most ${MAX_SHARE_PAYLOAD_CHARS.toLocaleString('en-US')}`);
  const pairs = [`s=${SHARE_VERSION}.${payload}`, `step=${Math.max(0, Math.trunc(step) || 0)}`];
  for (const [k, v] of Object.entries(extra)) {
    if (k === 's' || k === 'step') continue;
    pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  return pairs.join('&');
}

/** Decode a share fragment. Never throws; failures carry a message for the user. */
export async function decodeShareHash(hash: string): Promise<ShareDecoded> {
  try {
    return await decodeUnsafe(hash);
  } catch (e) {
    return { ok: false, message: `the link could not be decoded (${e instanceof Error ? e.message : String(e)})` };
  }
}

async function decodeUnsafe(hash: string): Promise<ShareDecoded> {
  const fields = parseFields(hash.startsWith('#') ? hash.slice(1) : hash);
  if (!fields.ok) return fields;
  const { s, step: stepText, extra } = fields;
  if (s === undefined) return { ok: false, message: 'the link carries no scenario (no s= field)' };
  const dot = s.indexOf('.');
  const version = dot < 0 ? s : s.slice(0, dot);
  if (version !== String(SHARE_VERSION)) {
    return { ok: false, message: `unsupported link version '${version.slice(0, 16)}' (this explorer reads version ${SHARE_VERSION})` };
  }
  if (dot < 0) return { ok: false, message: "the link's scenario payload is missing (expected s=1.PAYLOAD)" };
  let step = 0;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || !Number.isSafeInteger(Number(stepText))) {
      return { ok: false, message: `step must be a non-negative integer, got '${stepText.slice(0, 16)}'` };
    }
    step = Number(stepText);
  }
  const payload = s.slice(dot + 1);
  if (payload.length > MAX_SHARE_PAYLOAD_CHARS) return { ok: false, message: 'the link is too long' };
  const bytes = fromBase64Url(payload);
  if (bytes === null) return { ok: false, message: "the link's scenario payload is not valid base64url" };
  const inflated = await inflateBounded(bytes, MAX_SHARE_TEXT_BYTES);
  if (!inflated.ok) return inflated;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
  } catch {
    return { ok: false, message: "the link's scenario text is not valid UTF-8" };
  }
  return { ok: true, text, step, extra };
}

type Fields = { ok: true; s?: string; step?: string; extra: Record<string, string> } | { ok: false; message: string };

function parseFields(h: string): Fields {
  const out: { ok: true; s?: string; step?: string; extra: Record<string, string> } = { ok: true, extra: {} };
  for (const pair of h.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    if (rawKey === 's') out.s = rawValue;
    else if (rawKey === 'step') out.step = rawValue;
    else {
      const key = safeDecode(rawKey);
      const value = safeDecode(rawValue);
      if (key === null || value === null) return { ok: false, message: `the link has a badly escaped field '${rawKey.slice(0, 32)}'` };
      if (key !== '__proto__') out.extra[key] = value;
    }
  }
  return out;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Inflate raw DEFLATE, stopping (and refusing) as soon as the output passes `limit` bytes. */
export async function inflateBounded(
  bytes: Uint8Array,
  limit: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, message: `the link's scenario is larger than ${limit / (1024 * 1024)} MiB` };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, message: "the link's scenario payload is damaged (it does not inflate)" };
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes: out };
}

async function pipeAll(bytes: Uint8Array, t: CompressionStream): Promise<Uint8Array> {
  const buf = await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(t)).arrayBuffer();
  return new Uint8Array(buf);
}

export function toBase64Url(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url without padding → bytes, or null when it is not valid base64url. */
export function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
