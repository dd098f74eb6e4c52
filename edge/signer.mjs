// One instance of the signer module (build/signer.wasm) and the bytes that
// move in and out of it; the ABI is package wasm/abi's, whose test holds
// the constants and export names here to it. Used by the Worker's entry and
// by `make bench`, which runs it under Node's V8. It knows the ABI's
// framing, nothing of what the fields mean.
import { WASI } from "@bjorn3/browser_wasi_shim";

/** What wxs_serve asks of its host instead of answering (status < 100): abi.ActRead, ActForward, ActFetch, ActLimit. */
export const READ = 1;
export const FORWARD = 2;
export const FETCH = 3;
export const LIMIT = 4;
/** How many times wxs_serve may be called for one request (abi.MaxTurns): more is a bug. */
export const TURNS = 8;
/** What wxs_pass asks of its host: abi.PassKVGet and the others beside it. */
export const PASS_KV_GET = 1;
export const PASS_KV_PUT = 2;
export const PASS_MEM_GET = 3;
export const PASS_MEM_PUT = 4;
export const PASS_CALL = 5;
export const PASS_LOG = 6;
export const PASS_PROGRAM = 7;
/** A pass's result fields: a call that timed out (abi.PassTimeout), a read that found its key (abi.PassFound). */
export const PASS_TIMEOUT = "timeout";
export const PASS_FOUND = "1";

const enc = new TextEncoder();
const dec = new TextDecoder();

const ERRNO_IO = 29; // WASI's EIO
const CLOCK_MONOTONIC = 1;
// Workers' clocks read 0 in global scope (and move only between I/O), and the
// Go runtime stops if its monotonic clock reads 0 when it starts. A
// monotonic clock's origin is arbitrary: this one starts at 1 s.
const MONOTONIC_ORIGIN_NS = 1_000_000_000n;

export class Signer {
  /**
   * @param {WebAssembly.Module} module the compiled signer.wasm
   * @param {{startup?: boolean}} [options] startup: the instance is made in
   *   a Worker's global scope, where random values are forbidden. random_get
   *   then fails until the constructor returns (the Go runtime seeds its
   *   internal generator from the clock instead; nonces are drawn from
   *   random_get when a request is signed), and the module warms up
   *   (wxs_warm) so that the first request finds its code compiled.
   */
  constructor(module, { startup = false } = {}) {
    const wasi = new WASI([], [], [], { debug: false });
    let noRandom = startup;
    let instance;
    const imports = {
      ...wasi.wasiImport,
      random_get: (buf, len) => (noRandom ? ERRNO_IO : wasi.wasiImport.random_get(buf, len)),
      clock_time_get: (id, precision, at) => {
        if (id !== CLOCK_MONOTONIC) return wasi.wasiImport.clock_time_get(id, precision, at);
        const ns = BigInt(Math.round(performance.now() * 1e6)) + MONOTONIC_ORIGIN_NS;
        new DataView(instance.exports.memory.buffer).setBigUint64(at, ns, true);
        return 0;
      },
    };
    instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports });
    wasi.initialize(instance);
    if (startup) instance.exports.wxs_warm();
    noRandom = false;
    this.x = instance.exports;
    this.input = this.x.wxs_input();
    this.output = this.x.wxs_output();
    this.inputCap = this.x.wxs_input_cap();
    this.bodyCap = this.x.wxs_body_cap();
    this.headers = [];
    this.envKey = null; // the environment last handed over, as its fields joined
  }

  // frame writes fields (strings or Uint8Arrays) as little-endian uint32
  // length + bytes into the input region and returns the length written. A
  // field that does not fit is written as its length alone, and ends the
  // input: the module refuses it rather than read a prefix.
  frame(fields, start = this.input, cap = this.inputCap) {
    const mem = new Uint8Array(this.x.memory.buffer);
    const view = new DataView(this.x.memory.buffer);
    let at = start;
    const end = start + cap;
    for (const f of fields) {
      if (end - at < 4) break;
      const room = end - at - 4;
      let n;
      if (typeof f === "string") {
        const r = enc.encodeInto(f, mem.subarray(at + 4, at + 4 + room));
        n = r.read < f.length ? -1 : r.written;
      } else {
        n = f.length <= room ? f.length : -1;
        if (n >= 0) mem.set(f, at + 4);
      }
      if (n < 0) {
        view.setUint32(at, 0xffffffff, true);
        return at + 4 - start;
      }
      view.setUint32(at, n, true);
      at += 4 + n;
    }
    return at - start;
  }

  text(r) {
    return dec.decode(new Uint8Array(this.x.memory.buffer, this.output, r & 0xffff));
  }

  /**
   * env hands over the environment, unless it holds what the one handed
   * over last held (Workers give each request an env object of its own
   * making, and global scope another); it returns the request header names
   * to pass.
   */
  env(env) {
    const fields = [];
    for (const [name, value] of Object.entries(env)) {
      if (typeof value === "string") fields.push(name, value);
      else fields.push("@" + name, "");
    }
    const key = fields.join("\0");
    if (key === this.envKey) return this.headers;
    // The environment goes to a buffer of its size (wxs_env_buffer), never
    // cut to the input region; one the module refuses is handed over as
    // its size alone, and the module then signs nothing.
    const size = fields.reduce((n, f) => n + 4 + (typeof f === "string" ? enc.encode(f).length : f.length), 0);
    const at = this.x.wxs_env_buffer(size);
    const n = this.x.wxs_env(at === 0 ? size : this.frame(fields, at, size));
    this.headers = this.text(n).split("\n").filter(Boolean);
    this.envKey = key;
    return this.headers;
  }

  /** serve is wxs_serve: fields in ABI order, the time in Unix seconds. */
  serve(fields, nowSeconds) {
    return this.x.wxs_serve(this.frame(fields), BigInt(nowSeconds));
  }

  /** pass is wxs_pass: fields id, target, error, status, value; the time in Unix seconds. */
  pass(fields, nowSeconds) {
    return this.x.wxs_pass(this.frame(fields), BigInt(nowSeconds));
  }

  /** cron is wxs_cron: READ with the keys to read first, or 0 with the coordinators to wake, as name, path, name, path… */
  cron(nowSeconds) {
    const r = this.x.wxs_cron(BigInt(nowSeconds));
    const text = this.text(r);
    return { action: r >>> 16, lines: text === "" ? [] : text.split("\n") };
  }

  /** record is wxs_record. */
  record(key, outcome, value = "", retryAfter = "") {
    this.x.wxs_record(this.frame([key, outcome, value, String(retryAfter)]), BigInt(Math.floor(Date.now() / 1000)));
  }

  /** response turns a packed answer (header lines, a blank line, the body) into a Response. */
  response(r) {
    const out = this.text(r);
    const split = out.indexOf("\n\n");
    const headers = new Headers();
    for (const line of out.slice(0, split).split("\n")) {
      const colon = line.indexOf(": ");
      if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 2));
    }
    const status = r >>> 16;
    return new Response(status === 204 ? null : out.slice(split + 2), { status, headers });
  }
}
