package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// CaptureOptions are the inputs of `tattle capture`.
type CaptureOptions struct {
	Scan        ScanOptions
	Interface   string
	Filter      string
	Promisc     bool
	Snaplen     int
	Duration    time.Duration
	Packets     uint64
	Write       string
	RotateMB    int64
	RotateEvery time.Duration
}

func newCaptureCmd(io *IOStreams) *cobra.Command {
	opts := &CaptureOptions{Scan: ScanOptions{IO: io}}
	cmd := &cobra.Command{
		Use:   "capture --interface IFACE",
		Short: "Capture live from a network interface and audit what arrives",
		Long: `Capture reads packets from a network interface (Linux AF_PACKET, pure Go; it
needs CAP_NET_RAW), runs the same pipeline as scan on them, and reports when the
capture ends: after --duration, after --packets, or on Ctrl-C. With -w it writes
what it captured to pcapng, so the audit can be reproduced from the file.

` + exitCodesHelp,
		Example: `  sudo tattle capture -i eth0 --duration 10m -w home.pcapng
  sudo tattle capture -i br-lan --filter "not port 22" --packets 100000 -f json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interface == "" {
				return usageErrorf("capture: --interface is required")
			}
			if err := checkOutputFlags(opts.Scan.Format, opts.Scan.FailOn); err != nil {
				return err
			}
			return runCapture(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Interface, "interface", "i", "", "network interface to capture on")
	f.StringVar(&opts.Filter, "filter", "", "pcap filter expression (compiled with tcpdump)")
	f.BoolVar(&opts.Promisc, "promisc", true, "put the interface in promiscuous mode")
	f.IntVar(&opts.Snaplen, "snaplen", 0, "bytes kept per packet (0: whole packets)")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	f.Uint64Var(&opts.Packets, "packets", 0, "stop after this many packets (0: no limit)")
	f.StringVarP(&opts.Write, "write", "w", "", "write captured packets to this pcapng file")
	f.Int64Var(&opts.RotateMB, "rotate-mb", 0, "with -w, start a new file every this many MB")
	f.DurationVar(&opts.RotateEvery, "rotate-every", 0, "with -w, start a new file this often")
	addOutputFlags(cmd, &opts.Scan.OutputOptions)
	addAnalysisFlags(cmd, &opts.Scan.AnalysisOptions)
	return cmd
}

func runCapture(opts *CaptureOptions) error {
	return runAnalysis(opts.Scan.IO, &opts.Scan.AnalysisOptions, opts.Scan.OutputOptions, func(an *analysis) (*result.Result, error, error) {
		live, err := openLive(opts, an)
		if err != nil {
			return nil, nil, err
		}
		return scanLive(opts, an, live)
	})
}

// openLive opens the interface, drops root, and has Ctrl-C (or SIGTERM)
// end the capture rather than the process until the report is written.
func openLive(opts *CaptureOptions, an *analysis) (liveInput, error) {
	live, err := capture.OpenLive(capture.LiveOptions{Interface: opts.Interface, Promisc: opts.Promisc, Snaplen: opts.Snaplen,
		Filter: opts.Filter, Duration: opts.Duration, Packets: opts.Packets})
	if err != nil {
		return nil, noInputError(err)
	}
	if dropped, err := capture.DropPrivileges(); err != nil {
		live.Close()
		return nil, err
	} else if dropped {
		fmt.Fprintln(opts.Scan.IO.ErrOut, "tattle: capture socket open; running without root from here on")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	an.atClose(stop)
	go func() {
		<-ctx.Done()
		live.Close() // unblocks the read; the scan then reports what it saw
	}()
	return live, nil
}

// liveInput is what scanLive reads: a live source (or, in tests, a file
// standing in for one).
type liveInput interface {
	capture.Source
	Inputs() []capture.InputInfo
	Drops() (received, dropped uint64)
}

// scanLive is capture's scanStep: it scans live to its end, keeping the
// -w copy. The copy is flushed and closed on every path out, an error or
// a panic included, so it is a valid pcapng of every packet read.
func scanLive(opts *CaptureOptions, an *analysis, live liveInput) (*result.Result, error, error) {
	io := opts.Scan.IO
	defer live.Close()
	var src audit.InputSource = live
	var tee *capture.Tee
	if opts.Write != "" {
		var err error
		if tee, err = capture.NewTee(live, capture.TeeOptions{Path: opts.Write, RotateBytes: opts.RotateMB << 20, RotateEvery: opts.RotateEvery}); err != nil {
			return nil, nil, usageError(err)
		}
		defer tee.Close() // a no-op after the Close below
		src = tee
	}
	cfg := an.cfg
	cfg.Live = true
	if io.ErrTTY || io.OutTTY {
		lv := &liveView{io: io, live: live, showPersonal: opts.Scan.ShowPersonal}
		if !lv.showPersonal {
			// The table shows each device by the pseudonym its report will
			// give it.
			var err error
			if lv.key, err = redactionKey(io, opts.Scan.RedactionKey); err != nil {
				return nil, nil, usageError(err)
			}
		}
		cfg.Hooks = append(cfg.Hooks, lv)
	}
	res, scanErr := audit.Scan(src, cfg)
	var teeErr error
	if tee != nil {
		teeErr = tee.Close()
	}
	live.Close()
	if io.OutTTY {
		fmt.Fprint(io.Out, "\x1b[H\x1b[2J")
	} else if io.ErrTTY {
		fmt.Fprint(io.ErrOut, "\r\x1b[K")
	}
	if teeErr != nil {
		fmt.Fprintf(io.ErrOut, "tattle: writing %s: %v\n", sanitizeTerminal(opts.Write), teeErr)
	}
	if res == nil {
		return nil, nil, noInputError(scanErr)
	}
	received, drops := live.Drops()
	res.Stats.KernelDrops = drops
	if res.Stats.KernelDrops > 0 {
		fmt.Fprintf(io.ErrOut, "tattle: the kernel dropped %d packets (of %d): results are incomplete\n", res.Stats.KernelDrops, received)
	}
	if tee != nil {
		fmt.Fprintf(io.ErrOut, "tattle: wrote %s\n", sanitizeTerminal(strings.Join(tee.Files, ", ")))
	}
	if scanErr != nil {
		return res, partialError(scanErr), nil
	}
	if teeErr != nil {
		// The report is complete but the copy is not: not a clean run.
		return res, partialError(fmt.Errorf("capture: -w copy incomplete: %w", teeErr)), nil
	}
	return res, nil, nil
}

// liveView shows the capture as it runs. On a terminal stdout it redraws
// a table of devices and the names they reach (from SNI, HTTP Host and
// DNS questions, as they arrive); otherwise it keeps a one-line status on
// stderr. The final report replaces it when the capture ends.
type liveView struct {
	io   *IOStreams
	live interface {
		Inputs() []capture.InputInfo
		Drops() (received, dropped uint64)
	}
	// showPersonal keeps MAC addresses whole; by default the table
	// redacts them as the reports do.
	showPersonal bool
	key          []byte // of the pseudonyms, when !showPersonal
	flows        int
	devices      map[string]*liveDevice
	order        []string
	last         time.Time
	latest       string
}

type liveDevice struct {
	names map[string]bool
	list  []string
	flows int
}

func (v *liveView) dev(id string) *liveDevice {
	if v.devices == nil {
		v.devices = map[string]*liveDevice{}
	}
	d := v.devices[id]
	if d == nil {
		d = &liveDevice{names: map[string]bool{}}
		v.devices[id] = d
		v.order = append(v.order, id)
	}
	return d
}

func (d *liveDevice) add(name string) {
	if name == "" || d.names[name] || len(d.list) >= 200 {
		return
	}
	d.names[name] = true
	d.list = append(d.list, name)
}

func (v *liveView) Event(id string, e capture.Event) {
	d := v.dev(id)
	switch e := e.(type) {
	case *capture.TLSEvent:
		d.add(e.Hello.SNI)
		v.latest = e.Hello.SNI
	case *capture.HTTPEvent:
		d.add(e.Host)
		v.latest = e.Host
	case *capture.DNSEvent:
		if !e.Response && e.Proto == "dns" {
			for _, q := range e.Questions {
				d.add(q.Name)
			}
		}
	}
	v.draw()
}

func (v *liveView) Flow(id string, f *capture.Flow) {
	v.flows++
	v.dev(id).flows++
	v.draw()
}

func (v *liveView) draw() {
	now := v.io.Now()
	if now.Sub(v.last) < 500*time.Millisecond {
		return
	}
	v.last = now
	var pk uint64
	for _, in := range v.live.Inputs() {
		pk += in.Packets
	}
	_, drops := v.live.Drops()
	status := fmt.Sprintf("capturing: %d packets, %d devices, %d flows done, %d dropped", pk, len(v.devices), v.flows, drops)
	if !v.io.OutTTY {
		fmt.Fprintf(v.io.ErrOut, "\r\x1b[K%s  latest: %s", status, sanitizeTerminal(v.latest))
		return
	}
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J") // home, clear
	b.WriteString(status + "  (Ctrl-C to stop and report)\n\n")
	width := v.io.Width
	if width <= 0 {
		width = 100
	}
	ids := append([]string(nil), v.order...)
	sort.Slice(ids, func(i, j int) bool { return len(v.devices[ids[i]].list) > len(v.devices[ids[j]].list) })
	for i, id := range ids {
		if i == 20 {
			fmt.Fprintf(&b, "... and %d more devices\n", len(ids)-i)
			break
		}
		d := v.devices[id]
		names := strings.Join(d.list, ", ")
		shown := id
		if !v.showPersonal {
			shown = result.RedactMAC(id, v.key)
		}
		line := fmt.Sprintf("%-22s %4d names  %s", shown, len(d.list), names)
		if r := []rune(line); len(r) > width-1 {
			line = string(r[:width-2]) + "…"
		}
		b.WriteString(sanitizeTerminal(line) + "\n")
	}
	fmt.Fprint(v.io.Out, b.String())
}
