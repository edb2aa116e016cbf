package focusrules

import "strings"

// nationalCurrencies are the ISO 4217 alphabetic codes of national and
// monetary-union currencies (List One, 2025), and those withdrawn since
// 2020, for billing periods before their replacement (CUC 2021, HRK 2023,
// SLL 2024, ZWL 2024, ANG 2025). Left out are the fund codes (BOV, CHE,
// CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals (XAG, XAU, XPD, XPT),
// units of account and testing codes (XBA–XBD, XDR, XSU, XUA, XTS, XXX):
// BillingCurrency MUST be a national currency (BillingCurrency-C-006-M).
var nationalCurrencies = func() map[string]struct{} {
	const codes = `
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR
ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
ZWL`
	m := map[string]struct{}{}
	for _, c := range strings.Fields(codes) {
		m[c] = struct{}{}
	}
	return m
}()
