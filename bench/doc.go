// Command bench is `make bench`: it measures wxsign on the machine it runs
// on — the core, the signer module under wazero, the Worker under wrangler
// dev beside a hand-written JavaScript reference, workerd's CPU per kind of
// invocation (under wrangler dev and under workerd alone), the bundle, and
// how often WeChat and KV are called — prints one table and writes the same
// figures as JSON (build/bench.json) for comparing runs.
//
// Absolute times on shared machines are noisy: compare the ratios, which
// are measured within one run. The figures of past runs, with their dates,
// are in bench/README.md and RATIONALE.md, not in code.
package main
