package capture

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// fullWalkExpired is the sweep's definition, as the walk of the whole
// table applied it: the flows idle for the idle timeout, or closed and
// idle for the closed timeout, idleness counted both ways from now.
func fullWalkExpired(s *Scanner) []*Flow {
	var out []*Flow
	for _, f := range s.flows {
		idle := s.now.Sub(f.Last)
		if idle < 0 {
			idle = -idle
		}
		if idle >= s.opts.IdleTimeout || (f.Closed && idle >= s.opts.ClosedTimeout) {
			out = append(out, f)
		}
	}
	return out
}

// The expiry lists retire exactly the flows the walk of the whole table
// did, on traffic that is out of time order (late packets, up to just
// under the idle timeout), that closes flows, and whose clock steps back:
// after every sweep no flow left in the table is expired, every flow
// retired was, and the lists hold the table's flows.
func TestExpiryListsMatchFullWalk(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			sc := NewScanner(&recSink{}, Options{IdleTimeout: 30 * time.Second, ClosedTimeout: 5 * time.Second, MaxFlows: 1 << 20})
			pkts := map[string][]byte{}
			clock := time.Duration(0)
			sweeps, late, steps := 0, 0, 0
			for i := 0; i < 6000; i++ {
				clock += time.Duration(rng.Intn(400)) * time.Millisecond
				at := clock
				switch r := rng.Intn(1000); {
				case r < 40: // a late packet
					at -= time.Duration(rng.Int63n(int64(29 * time.Second)))
					late++
				case r < 44: // the clock steps back: by an hour, or by a little
					// more than the idle timeout, so that flows of the
					// later base stay, last seen after now
					if r%2 == 0 {
						clock -= time.Hour
					} else {
						clock -= 31*time.Second + time.Duration(rng.Intn(20))*time.Second
					}
					at = clock
					steps++
				}
				spec := pktSpec{src: "192.168.1.20", dst: fmt.Sprintf("10.0.%d.%d", rng.Intn(4), rng.Intn(50)),
					sport: uint16(40000 + rng.Intn(3)), dport: 443, tcp: true, ack: true, payload: "x"}
				if rng.Intn(10) == 0 {
					spec.fin = true
					if rng.Intn(2) == 0 {
						spec.src, spec.dst, spec.sport, spec.dport = spec.dst, spec.src, spec.dport, spec.sport
					}
				}
				k := fmt.Sprint(spec)
				d, ok := pkts[k]
				if !ok {
					d = build(t, spec)
					pkts[k] = d
				}
				before := sc.nextSweep
				nRetired := len(sc.retired)
				sc.Packet(&RawPacket{Data: d, CaptureLn: len(d), Time: t0.Add(at), LinkType: layers.LinkTypeEthernet, Source: "t", Index: uint64(i + 1)})
				if sc.nextSweep.Equal(before) {
					continue
				}
				sweeps++
				// The sweep ran before this packet's flow was touched:
				// that flow was last seen now, so not expired either way.
				if left := fullWalkExpired(sc); len(left) > 0 {
					t.Fatalf("packet %d: %d expired flows left in the table, first %v last seen %v (now %v)", i, len(left), left[0].Key, left[0].Last, sc.now)
				}
				if len(sc.retired) > nRetired {
					for _, f := range sc.retired[len(sc.retired)-1].flows {
						idle := sc.now.Sub(f.Last)
						if idle < 0 {
							idle = -idle
						}
						if idle < sc.opts.IdleTimeout && !(f.Closed && idle >= sc.opts.ClosedTimeout) {
							t.Fatalf("packet %d: retired %v, idle %v, closed %v", i, f.Key, idle, f.Closed)
						}
					}
				}
				for f := sc.lists[aheadList].head; f != nil; f = f.next {
					if !f.Last.After(sc.now) {
						t.Fatalf("packet %d: %v on the ahead list, last seen %v, now %v", i, f.Key, f.Last, sc.now)
					}
				}
				n := 0
				for l := range sc.lists {
					for f := sc.lists[l].head; f != nil; f = f.next {
						if sc.flows[idOf(f.Key)] != f {
							t.Fatalf("packet %d: listed flow %v not in the table", i, f.Key)
						}
						n++
					}
				}
				if n != len(sc.flows) {
					t.Fatalf("packet %d: %d flows listed, %d in the table", i, n, len(sc.flows))
				}
			}
			if sweeps < 50 || late < 100 || steps < 3 || sc.stats.ClockSteps < 3 {
				t.Fatalf("the traffic did not exercise the sweep: %d sweeps, %d late packets, %d clock steps", sweeps, late, sc.stats.ClockSteps)
			}
		})
	}
}
