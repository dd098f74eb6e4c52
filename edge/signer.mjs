// One instance of the signer module (build/signer.wasm) and the bytes that
// move in and out of it; the ABI is documented in wasm/signer. Used by the
// Worker's entry and by `make bench`, which runs it under Node's V8.
import { WASI } from "@bjorn3/browser_wasi_shim";

/** NEED_TICKET is set in a result when no usable ticket was given. */
export const NEED_TICKET = 1 << 15;

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
  }

  // frame writes fields (strings or Uint8Arrays) as little-endian uint32
  // length + bytes into the input region and returns the length written.
  frame(fields) {
    const mem = new Uint8Array(this.x.memory.buffer);
    const view = new DataView(this.x.memory.buffer);
    let at = this.input;
    const end = this.input + this.inputCap;
    for (const f of fields) {
      const room = end - at - 4;
      if (room < 0) break;
      let n;
      if (typeof f === "string") {
        n = enc.encodeInto(f, mem.subarray(at + 4, at + 4 + room)).written;
      } else {
        n = Math.min(f.length, room);
        mem.set(f.subarray(0, n), at + 4);
      }
      view.setUint32(at, n, true);
      at += 4 + n;
    }
    return at - this.input;
  }

  /**
   * config is the hot path: the nine fields of wxs_config, the time in Unix
   * seconds; it returns the packed result.
   */
  config(fields, nowSeconds) {
    return this.x.wxs_config(this.frame(fields), BigInt(nowSeconds));
  }

  /** response turns a packed result (header lines, a blank line, the body) into a Response. */
  response(r) {
    const out = dec.decode(new Uint8Array(this.x.memory.buffer, this.output, r & 0x7fff));
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
