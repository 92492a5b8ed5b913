// Package quic reads the TLS ClientHello that a QUIC client sends in its
// Initial packets. Initial packets are encrypted with keys anyone can
// derive from the packet's Destination Connection ID (RFC 9001 section
// 5.2), so a passive observer can remove their protection: derive the
// keys, remove header protection, open the AEAD, read the CRYPTO frames,
// reassemble the CRYPTO stream (a ClientHello may span several frames,
// packets and datagrams, in any order) and hand the handshake message to
// tlsx.ParseHandshake.
//
// QUIC v1 (RFC 9000/9001), v2 (RFC 9369) and draft-29 are read. Only the
// client's Initial packets are decrypted; nothing else of the connection
// can be.
package quic
