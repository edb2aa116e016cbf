package main

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// The load balancer: an internet-facing Application Load Balancer in the
// shop's production account, whose listener rules forward to one target
// group per service.
const (
	account = "318274650912"
	region  = "eu-west-1"
	lbName  = "shop"
	lbID    = "5e3c1a9f0b7d2e48"
	certARN = "arn:aws:acm:eu-west-1:318274650912:certificate/9b2e4c71-3f08-4d6a-a51e-0c7d28e6f4b3"
)

// nodeIPs are the load balancer's nodes, one per availability zone; ALB
// names each log file after the node that wrote it.
var nodeIPs = []string{"10.20.0.17", "10.20.64.201", "10.20.128.93"}

var browsers = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"AcmeShop/5.12.0 (iPhone; iOS 17.4.1; Scale/3.00)",
	"AcmeShop/5.12.1 (Android 14; SM-S918B)",
}

var bots = []string{
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"python-requests/2.31.0",
	"Mozilla/5.0 zgrab/0.x",
}

const hexDigits = "0123456789abcdef"

func appendHex(b []byte, r *rand.Rand, n int) []byte {
	for range n {
		b = append(b, hexDigits[r.IntN(16)])
	}
	return b
}

// appendSeconds appends a processing time as ALB does: seconds with three
// decimals, or -1.
func appendSeconds(b []byte, s float64) []byte {
	if s < 0 {
		return append(b, "-1"...)
	}
	return strconv.AppendFloat(b, s, 'f', 3, 64)
}

func appendStatus(b []byte, s int) []byte {
	if s == 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, int64(s), 10)
}

const albTime = "2006-01-02T15:04:05.000000Z"

// appendLine appends one ALB access log line, and a newline, for a request
// the load balancer received at t.
func appendLine(b []byte, r *rand.Rand, t time.Time, rt *route, o outcome) []byte {
	method, path := rt.method, ""
	if rt.path == nil {
		method, path = checkoutRequest(r)
	} else {
		path = rt.path(r)
	}
	h2 := r.IntN(10) < 7
	ua := pick(r, browsers)
	if rt.name == "scanner" || rt.name == "misc" && r.IntN(3) == 0 {
		ua = pick(r, bots)
		h2 = false
	}

	// The response leaves when the three processing times have passed;
	// when one is unknown the load balancer gave up (60 s idle timeout) or
	// the client went away.
	var took time.Duration
	switch {
	case o.elbStatus == 504:
		took = 60 * time.Second
	case o.targetTime >= 0 && o.respTime >= 0:
		took = time.Duration((o.reqTime + o.targetTime + o.respTime) * float64(time.Second))
	default:
		took = time.Duration(r.IntN(3000)) * time.Millisecond
	}

	if h2 {
		b = append(b, "h2 "...)
	} else {
		b = append(b, "https "...)
	}
	b = t.Add(took).AppendFormat(b, albTime)
	b = append(b, " app/"+lbName+"/"+lbID+" "...)
	// Clients: documentation address ranges (RFC 5737), ephemeral ports.
	b = append(b, pick(r, []string{"192.0.2.", "198.51.100.", "203.0.113."})...)
	b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(1024+r.IntN(64511)), 10)
	b = append(b, ' ')
	target := "-"
	if o.elbStatus != 460 {
		target = pick(r, rt.svc.targets)
	}
	b = append(b, target...)
	b = append(b, ' ')
	b = appendSeconds(b, o.reqTime)
	b = append(b, ' ')
	b = appendSeconds(b, o.targetTime)
	b = append(b, ' ')
	b = appendSeconds(b, o.respTime)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(o.elbStatus), 10)
	b = append(b, ' ')
	b = appendStatus(b, o.targetStatus)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(rt.recv[0]+r.IntN(rt.recv[1]-rt.recv[0]+1)), 10)
	b = append(b, ' ')
	sent := rt.sent[0] + r.IntN(rt.sent[1]-rt.sent[0]+1)
	switch {
	case o.elbStatus == 460:
		sent = 0
	case o.elbStatus >= 500 && o.targetStatus == 0:
		sent = 272 // the load balancer's own error page
	case o.elbStatus >= 300 && o.elbStatus != rt.ok:
		sent = 180 + r.IntN(300)
	}
	b = strconv.AppendInt(b, int64(sent), 10)
	b = append(b, " \""...)
	b = append(b, method...)
	b = append(b, " https://"+host+":443"...)
	b = append(b, path...)
	if h2 {
		b = append(b, " HTTP/2.0\" \""...)
	} else {
		b = append(b, " HTTP/1.1\" \""...)
	}
	b = append(b, ua...)
	if h2 || r.IntN(2) == 0 {
		b = append(b, "\" TLS_AES_128_GCM_SHA256 TLSv1.3 "...)
	} else {
		b = append(b, "\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 "...)
	}
	b = append(b, rt.svc.arn...)
	b = append(b, " \"Root=1-"...)
	b = strconv.AppendUint(b, uint64(t.Unix()), 16)
	b = append(b, '-')
	b = appendHex(b, r, 24)
	b = append(b, "\" \""+host+"\" \""+certARN+"\" "...)
	b = strconv.AppendInt(b, int64(rt.rule), 10)
	b = append(b, ' ')
	b = t.AppendFormat(b, albTime)
	b = append(b, " \"forward\" \"-\" \"-\" \""...)
	b = append(b, target...)
	b = append(b, "\" \""...)
	b = appendStatus(b, o.targetStatus)
	b = append(b, "\" \"-\" \"-\" TID_"...)
	b = appendHex(b, r, 32)
	return append(b, '\n')
}
