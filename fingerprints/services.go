package fingerprints

import (
	"net/netip"
	"regexp"
	"strings"
)

// Public services whose category does not depend on who runs them: a time
// server is a time server whether a vendor, a university or a search
// company runs it, and a connectivity check is infrastructure. They are
// recognised by the labels of a host name in front of its registrable
// domain (time1.google.com, ntp1.dlink.com, time-a.nist.gov,
// connectivitycheck.android.com), so the rule covers names nobody listed.
var (
	timeLabel = regexp.MustCompile(`^(s?ntp|time|clock)(\d+[a-z]?|-[a-z0-9]{1,2})?$`)
	connLabel = regexp.MustCompile(`^(connectivity-?check\d*|conncheck|detectportal|captiveportal|nmcheck|networkcheck)$`)
)

// publicServiceCategory returns CatTime or CatConnectivity when a label of
// host in front of its registrable domain names such a service, else "".
func publicServiceCategory(host, registrable string) string {
	if registrable == "" || host == registrable || !strings.HasSuffix(host, "."+registrable) {
		return ""
	}
	sub := strings.TrimSuffix(host, "."+registrable)
	for _, l := range strings.Split(sub, ".") {
		switch {
		case timeLabel.MatchString(l):
			return CatTime
		case connLabel.MatchString(l):
			return CatConnectivity
		}
	}
	return ""
}

// A public DNS resolver is reached by address, so its addresses are the
// names to know. Each is documented by its operator.
type resolver struct {
	org, source string
	addrs       []string
}

var publicResolvers = []resolver{
	{"google", "https://developers.google.com/speed/public-dns/docs/using", []string{"8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"}},
	{"cloudflare", "https://developers.cloudflare.com/1.1.1.1/ip-addresses/", []string{"1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3", "2606:4700:4700::1111", "2606:4700:4700::1001"}},
	{"quad9", "https://www.quad9.net/service/service-addresses-and-features", []string{"9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11", "149.112.112.11", "2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::fe:10"}},
	{"opendns", "https://www.opendns.com/setupguide/", []string{"208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123", "2620:119:35::35", "2620:119:53::53"}},
	{"lumen", "https://www.lumen.com (Level 3 resolvers 4.2.2.1-6, in Lumen's AS3356 since 2017)", []string{"4.2.2.1", "4.2.2.2", "4.2.2.3", "4.2.2.4", "4.2.2.5", "4.2.2.6"}},
	{"adguard", "https://adguard-dns.io/kb/general/dns-providers/", []string{"94.140.14.14", "94.140.15.15", "94.140.14.140", "94.140.14.141", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff"}},
	{"cleanbrowsing", "https://cleanbrowsing.org/filters/", []string{"185.228.168.9", "185.228.169.9", "185.228.168.168", "185.228.169.168"}},
	{"yandex", "https://dns.yandex.com/", []string{"77.88.8.8", "77.88.8.1", "77.88.8.88", "77.88.8.2"}},
	{"alibaba", "https://www.alidns.com/ (AliDNS public resolvers)", []string{"223.5.5.5", "223.6.6.6", "2400:3200::1", "2400:3200:baba::1"}},
	{"tencent", "https://www.dnspod.cn/products/publicdns (DNSPod public resolver)", []string{"119.29.29.29", "119.28.28.28"}},
	{"114dns", "https://www.114dns.com/", []string{"114.114.114.114", "114.114.115.115"}},
	{"baidu", "https://dudns.baidu.com/ (Baidu public DNS)", []string{"180.76.76.76"}},
	{"comodo", "https://www.comodo.com/secure-dns/", []string{"8.26.56.26", "8.20.247.20"}},
	{"controld", "https://controld.com/free-dns", []string{"76.76.2.0", "76.76.10.0"}},
}

// resolverIndex maps a resolver address to its entry.
var resolverIndex = func() map[netip.Addr]*resolver {
	m := map[netip.Addr]*resolver{}
	for i := range publicResolvers {
		for _, a := range publicResolvers[i].addrs {
			m[netip.MustParseAddr(a)] = &publicResolvers[i]
		}
	}
	return m
}()
