// Package repeat switches off, for measurement, the caches that skip
// work for input seen before: DNS and mDNS messages repeated but for
// their ID, SSDP messages, HTTP header blocks and Kasa messages already
// read, payloads already inspected without a finding, certificates
// already parsed, JA3/JA4 of a ClientHello already fingerprinted. Each
// gives the same result as the work it skips (tests check it), so
// turning them off changes the time a scan takes, never its result.
//
// TATTLE_NO_REPEAT_CACHES=1 in the environment turns them all off:
// scripts/bench.sh uses it to measure traffic that does not repeat, as
// its benchmark file (copies of one round of captures) repeats more than
// real traffic.
package repeat

import "os"

// Off is set when TATTLE_NO_REPEAT_CACHES is set to anything but "" or
// "0", read once at start.
var Off = off(os.Getenv("TATTLE_NO_REPEAT_CACHES"))

func off(v string) bool { return v != "" && v != "0" }
