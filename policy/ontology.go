package policy

import "strings"

// Data types, named as in PoliCheck's data ontology. The payload
// inspection stage reports the leaf names; declarations may use any level.
const (
	PersonalInformation = "personal information"
	DeviceIdentifier    = "device identifier"
	MACAddress          = "mac address"
	SerialNumber        = "serial number"
	AdvertisingID       = "advertising identifier"
	IMEI                = "imei"
	DeviceName          = "device name"
	HardwareInfo        = "hardware information"
	ContactInformation  = "contact information"
	EmailAddress        = "email address"
	PhoneNumber         = "phone number"
	PersonName          = "person name"
	AccountName         = "account name"
	Geolocation         = "geolocation"
	NetworkInformation  = "network information"
	IPAddress           = "ip address"
	RouterSSID          = "router ssid"
	RouterMAC           = "router mac address"
	WiFiPassword        = "wifi password"
	Credentials         = "credentials"
	UsageData           = "usage data"
	ViewingHistory      = "viewing history"
	Audio               = "audio"
	Video               = "video"
	NeighbourMAC        = "mac address of another device"
	UnknownData         = "unknown encrypted data"
)

// dataParent is the data ontology: each type's broader type.
var dataParent = map[string]string{
	DeviceIdentifier:   PersonalInformation,
	MACAddress:         DeviceIdentifier,
	SerialNumber:       DeviceIdentifier,
	AdvertisingID:      DeviceIdentifier,
	IMEI:               DeviceIdentifier,
	DeviceName:         DeviceIdentifier,
	HardwareInfo:       DeviceIdentifier,
	ContactInformation: PersonalInformation,
	EmailAddress:       ContactInformation,
	PhoneNumber:        ContactInformation,
	PersonName:         ContactInformation,
	AccountName:        ContactInformation,
	Geolocation:        PersonalInformation,
	NetworkInformation: PersonalInformation,
	IPAddress:          NetworkInformation,
	RouterSSID:         NetworkInformation,
	RouterMAC:          NetworkInformation,
	WiFiPassword:       NetworkInformation,
	NeighbourMAC:       NetworkInformation,
	Credentials:        PersonalInformation,
	UsageData:          PersonalInformation,
	ViewingHistory:     UsageData,
	Audio:              PersonalInformation,
	Video:              PersonalInformation,
	UnknownData:        PersonalInformation,
}

// DataTypes lists every data type a declaration may name.
func DataTypes() []string {
	out := []string{PersonalInformation}
	for k := range dataParent {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

func validDataType(s string) bool {
	s = strings.ToLower(s)
	_, ok := dataParent[s]
	return ok || s == PersonalInformation
}

// dataCovers reports whether a declared data term covers an observed
// type, and whether exactly (same term) or through a broader term.
func dataCovers(declared, observed string) (covers, exact bool) {
	declared, observed = strings.ToLower(declared), strings.ToLower(observed)
	if declared == observed {
		return true, true
	}
	for t := dataParent[observed]; t != ""; t = dataParent[t] {
		if t == declared {
			return true, false
		}
	}
	if declared == PersonalInformation {
		return true, false
	}
	return false, false
}

// Entity terms a declaration may use for recipients besides named
// organisations and destination categories.
const (
	EntityThirdParties     = "third parties"
	EntityPartners         = "partners"
	EntityServiceProviders = "service providers"
	EntityAffiliates       = "affiliates"
	EntityAnyone           = "anyone"
)

// category words researchers copy from policies, mapped to tattle's
// destination categories.
var categoryAliases = map[string]string{
	"advertising partners": "advertising", "advertisers": "advertising", "advertising": "advertising", "ad networks": "advertising",
	"analytics providers": "analytics", "analytics": "analytics", "measurement partners": "analytics",
	"tracking": "tracking", "data brokers": "data-broker", "data-broker": "data-broker",
	"cloud": "cloud", "cloud providers": "cloud", "hosting": "cloud", "cdn": "cdn", "dns": "dns", "time": "time",
	"crash reporting": "crash-reporting", "crash-reporting": "crash-reporting", "social": "social", "social networks": "social",
	"payment": "payment", "content": "content", "content providers": "content", "iot-cloud": "iot-cloud", "connectivity-check": "connectivity-check",
	"software-update": "software-update", "service": "service",
	// Recipients no destination category names: kept so that a
	// declaration can record what a policy says of them.
	"law enforcement": "law-enforcement", "social media": "social", "marketing partners": "advertising",
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Categories lists the recipient category words a declaration may use.
func Categories() []string {
	out := make([]string, 0, len(categoryAliases))
	for k := range categoryAliases {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// CanonicalCategory maps a category word of a declaration to tattle's
// destination category ("advertisers" -> "advertising"); "" if unknown.
func CanonicalCategory(s string) string { return categoryAliases[strings.ToLower(s)] }

// BroaderData reports whether data type a is broader than b in the
// ontology (personal information is broader than every other type).
func BroaderData(a, b string) bool {
	ok, exact := dataCovers(a, b)
	return ok && !exact
}
