package capture

// Application protocols: the values of Flow.App. Every dissector and
// capture/zeek set one of these, and the stages after capture (the
// builder's cleartext check, the inspector) compare against them, so a
// name is spelled in one place. Apps lists them all; a test in
// capture/dissect checks that every App a dissector sets is listed.
const (
	AppHTTP     = "http"     // HTTP/1.x request or response
	AppRTSP     = "rtsp"     // RTSP (HTTP-shaped, camera streams)
	AppGnutella = "gnutella" // Gnutella handshake (HTTP-shaped "GNUTELLA CONNECT/")
	AppTLS      = "tls"      // TLS over TCP
	AppDTLS     = "dtls"     // DTLS over UDP
	AppQUIC     = "quic"     // IETF QUIC
	AppGQUIC    = "gquic"    // Google QUIC (Q0xx versions)
	AppSSH      = "ssh"      // SSH (from Zeek's conn.log service only)
	AppDNS      = "dns"      // DNS on port 53
	AppMDNS     = "mdns"     // multicast DNS on 5353
	AppLLMNR    = "llmnr"    // LLMNR on 5355
	AppDHCP     = "dhcp"     // DHCPv4
	AppDHCPv6   = "dhcpv6"   // DHCPv6
	AppNTP      = "ntp"      // NTP
	AppSSDP     = "ssdp"     // SSDP (UPnP discovery)
	AppKasa     = "kasa"     // TP-Link Kasa local protocol
	AppTuya     = "tuya"     // Tuya local protocol
	AppMQTT     = "mqtt"     // MQTT without TLS
	AppTelnet   = "telnet"   // Telnet
	AppFTP      = "ftp"      // FTP control (and data, from Zeek)
	AppCoAP     = "coap"     // CoAP without DTLS
	AppPOP3     = "pop3"     // POP3
	AppIMAP     = "imap"     // IMAP
	AppSMTP     = "smtp"     // SMTP
)

// Apps is every value Flow.App takes besides "" (not recognised).
var Apps = []string{
	AppHTTP, AppRTSP, AppGnutella, AppTLS, AppDTLS, AppQUIC, AppGQUIC, AppSSH,
	AppDNS, AppMDNS, AppLLMNR, AppDHCP, AppDHCPv6, AppNTP, AppSSDP, AppKasa, AppTuya,
	AppMQTT, AppTelnet, AppFTP, AppCoAP, AppPOP3, AppIMAP, AppSMTP,
}
