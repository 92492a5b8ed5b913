package capture

import (
	"reflect"
	"testing"
	"time"
)

// TestShadowFlowFields keeps Async's shadow flow honest: the dissector it
// runs on another goroutine sees a copy of the flow, made of hand-picked
// fields (async.go). Every exported Flow field must be one of these
// lists, so a new field a dissector may read cannot be left out of the
// copy unnoticed; the per-packet list is checked against snapshotOf and
// apply.
func TestShadowFlowFields(t *testing.T) {
	atStart := map[string]bool{"Key": true, "ClientMAC": true, "ServerMAC": true, "File": true, "FirstPkt": true, "First": true}
	perPacket := map[string]bool{"App": true, "ServerName": true, "SawSYN": true, "StreamStart": true, "Closed": true, "Packets": true, "Bytes": true}
	fromMeta := map[string]bool{"Last": true}
	// The shadow's own, copied back to the flow (Async.copyBack).
	shadowOwn := map[string]bool{"Notes": true}
	// Not given to the shadow: a dissector behind Async does not read them.
	notGiven := map[string]bool{
		"UID":     true, // set for flows read from Zeek logs, which no dissector sees
		"Payload": true, // payload byte counts: the inspector counts what it reads itself
	}
	typ := reflect.TypeOf(Flow{})
	var full Flow
	v := reflect.ValueOf(&full).Elem()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		n := 0
		for _, l := range []map[string]bool{atStart, perPacket, fromMeta, shadowOwn, notGiven} {
			if l[f.Name] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("Flow.%s is in %d of the lists, want 1: decide whether Async gives it to its shadow", f.Name, n)
		}
		setNonZero(t, v.Field(i))
	}
	snap := snapshotOf(&full)
	var sh Flow
	snap.apply(&sh)
	got := reflect.ValueOf(sh)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		copied := !got.Field(i).IsZero()
		if copied != perPacket[f.Name] {
			t.Errorf("Flow.%s: copied by the snapshot %v, listed as per-packet %v", f.Name, copied, perPacket[f.Name])
		}
	}
}

// setNonZero gives a field a value other than its zero.
func setNonZero(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.Array:
		setNonZero(t, v.Index(v.Len()-1))
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeOf(time.Time{}):
			v.Set(reflect.ValueOf(time.Unix(1, 0)))
		case reflect.TypeOf(FlowKey{}):
			v.Set(reflect.ValueOf(FlowKey{Transport: TCP}))
		default:
			t.Fatalf("no non-zero value for %s", v.Type())
		}
	default:
		t.Fatalf("no non-zero value for %s", v.Type())
	}
}
