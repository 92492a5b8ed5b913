// Package audit joins what the capture stage observed into devices: who
// each device is, whom it talks to (destinations named from the DNS answers
// it received, the SNI and Host it sent), what identity signals it emits,
// and the findings about it. It implements capture.Sink and produces a
// result.Result.
//
// Naming never touches the network: a destination IP gets the names the
// device itself asked for (DNS answers seen earlier, CNAME-aware), or the
// name it sent in TLS SNI or HTTP Host, each with the packet that said so.
package audit
